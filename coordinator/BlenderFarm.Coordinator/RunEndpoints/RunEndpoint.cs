using System.Security.Cryptography;
using System.Text;
using BlenderFarm.Application;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.RunEndpoints;

/// <summary>
/// Where a one-shot run (<c>render</c>, <c>resume</c>) takes stop requests from other processes while it renders a
/// job: a Unix socket in the job's folder (loopback TCP with a token on Windows), announced in
/// <c>jobs/ID/run-endpoint.json</c> (0600) until the run ends. The job's lock proves a socket left by a killed
/// process is stale, so it is replaced.
/// </summary>
internal sealed class RunEndpoint : IAsyncDisposable
{
    public const string FileName = "run-endpoint.json";

    private readonly RpcListener _listener;
    private readonly string _file;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private RunEndpoint(RpcListener listener, string file, JobService jobs, string jobId, ILogger logger)
    {
        _listener = listener;
        _file = file;
        _accepting = AcceptAsync(new Target(jobs, jobId, listener.Token), logger, _stop.Token);
    }

    public static string FilePath(JobStore store, string jobId)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Path.Combine(store.JobFolder(jobId), FileName);
    }

    /// <summary>Starts listening for the job's run in this process and announces where.</summary>
    public static RunEndpoint Open(JobService jobs, string jobId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var transport = OperatingSystem.IsWindows() ? EndpointInfo.Tcp : EndpointInfo.Unix;
        var listener = RpcListener.Open(transport, jobs.Store.JobFolder(jobId), ServeCommand.ServerVersion());
        var file = FilePath(jobs.Store, jobId);
        try
        {
            ServeFiles.WriteEndpointFile(file, listener.Endpoint);
        }
        catch
        {
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        return new RunEndpoint(listener, file, jobs, jobId, logger);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _accepting.ConfigureAwait(false);
        if (ServeFiles.ReadEndpointFile(_file) is { } endpoint && endpoint.ProcessId == Environment.ProcessId)
        {
            File.Delete(_file);
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync(Target target, ILogger logger, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                var stream = await _listener.AcceptAsync(token).ConfigureAwait(false);
                var limits = RpcLimits.Default;
                var rpc = RpcConnection.Create(new FramingLimitStream(stream, limits.HeaderBytes, () => limits.BodyBytesBeforeHandshake));
                rpc.AddLocalRpcTarget(target, RpcConnection.TargetOptions);
                rpc.StartListening();
                _ = rpc.Completion.ContinueWith(_ => rpc.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                Log.Warning(logger, "run endpoint: " + e.Message);
            }
        }
    }

    /// <summary>The run's side of <see cref="RunStopMethod"/>.</summary>
    private sealed class Target(JobService jobs, string jobId, string? token)
    {
        [JsonRpcMethod(RunStopMethod.Name, UseSingleObjectParameterDeserialization = true)]
        public Task<RunStopReply> StopAsync(RunStopRequest request)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (token is not null && (request.Token is null
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(request.Token))))
            {
                return Task.FromResult(new RunStopReply(false, "the request did not carry the run endpoint's token."));
            }

            if (request.JobId != jobId)
            {
                return Task.FromResult(new RunStopReply(false, $"process {Environment.ProcessId} renders job {jobId}, not {request.JobId}."));
            }

            return Task.FromResult(jobs.StopHere(jobId, request.Stop, request.Reason)
                ? new RunStopReply(true, null)
                : new RunStopReply(false, $"job {jobId} is no longer rendering in process {Environment.ProcessId}."));
        }
    }
}
