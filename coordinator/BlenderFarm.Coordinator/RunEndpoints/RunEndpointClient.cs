using System.Net.Sockets;
using BlenderFarm.Application.Ports;
using BlenderFarm.Coordinator.Farm;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.RunEndpoints;

/// <summary>
/// Asks the process that renders a job to stop it, through the endpoint that process announced in the job's folder
/// (<see cref="RunEndpoint"/>). A missing, stale or silent endpoint is answered with one sentence, never an exception.
/// </summary>
internal sealed class RunEndpointClient(JobStore store, TimeProvider time) : IRunChannel
{
    /// <summary>How long the other process gets to connect and answer.</summary>
    private static readonly TimeSpan AnswerPatience = TimeSpan.FromSeconds(10);

    public async Task<RunReach> AskToStopAsync(string jobId, RunStop stop, string reason, CancellationToken cancellationToken)
    {
        var file = RunEndpoint.FilePath(store, jobId);
        if (ServeFiles.ReadEndpointFile(file) is not { } endpoint)
        {
            return RunReach.Failed($"it announces no run endpoint ({file} is missing: an older blenderfarm, or its run is just starting).");
        }

        var where = endpoint.Path ?? $"127.0.0.1:{endpoint.Port}";
        using var patience = new CancellationTokenSource(AnswerPatience, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, patience.Token);
        Stream stream;
        try
        {
            stream = await FarmClient.OpenAsync(endpoint, both.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            return RunReach.Failed($"its run endpoint {where} is stale: process {endpoint.ProcessId} does not answer there ({e.Message}).");
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            return RunReach.Failed(Silent(endpoint, where));
        }

        using var rpc = RpcConnection.Create(stream);
        rpc.StartListening();
        try
        {
            var reply = await rpc.InvokeWithParameterObjectAsync<RunStopReply>(RunStopMethod.Name,
                new RunStopRequest { JobId = jobId, Stop = stop, Reason = reason, Token = endpoint.Token }, both.Token).ConfigureAwait(false);
            return reply.Stopping ? RunReach.Taken : RunReach.Failed(reply.Problem ?? "it refused without saying why.");
        }
        catch (OperationCanceledException) when (patience.IsCancellationRequested)
        {
            return RunReach.Failed(Silent(endpoint, where));
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or IOException)
        {
            return RunReach.Failed($"process {endpoint.ProcessId} failed the request at {where} ({e.Message}).");
        }
    }

    private static string Silent(EndpointInfo endpoint, string where) =>
        $"process {endpoint.ProcessId} did not answer at {where} within {AnswerPatience.TotalSeconds:0} s.";
}
