using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.Server;

/// <summary>Serves <see cref="IBlenderFarmService"/> on any duplex stream: a socket, a pipe, or a test's in-memory pair.</summary>
internal sealed class RpcServer(JobHost host, ServerIdentity identity, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<RpcServer>();

    public JobHost Host { get; } = host;

    /// <summary>Starts answering on the stream; the task completes when the client disconnects.</summary>
    public Task AcceptAsync(Stream duplex)
    {
        var session = new RpcSession(Host, identity, _logger);
        var rpc = RpcConnection.Create(duplex);
        rpc.AddLocalRpcTarget<IBlenderFarmService>(session, RpcConnection.TargetOptions);
        session.Bind(rpc);
        Host.Attach(session);
        rpc.Disconnected += (_, e) =>
        {
            Host.Detach(session);
            ServerLog.Disconnected(_logger, e.Reason.ToString());
        };
        rpc.StartListening();
        ServerLog.Connected(_logger, Host.Sessions);
        return rpc.Completion.ContinueWith(_ => rpc.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
