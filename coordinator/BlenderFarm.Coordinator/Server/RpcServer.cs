using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Serves <see cref="IBlenderFarmService"/> on any duplex stream: a socket, a pipe, or a test's in-memory pair, under
/// the same <see cref="RpcLimits"/> on every transport. A connection counts for the host (and keeps an idle server
/// alive) only once its handshake succeeded.
/// </summary>
internal sealed class RpcServer(JobHost host, ServerIdentity identity, ILoggerFactory loggers, RpcLimits? limits = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<RpcServer>();
    private readonly RpcLimits _limits = limits ?? RpcLimits.Default;
    private int _connections;

    public JobHost Host { get; } = host;

    /// <summary>Open connections, greeted or not.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Accepts connections from the listener until <paramref name="token"/> is cancelled.</summary>
    public async Task ServeAsync(RpcListener listener, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(listener);
        while (!token.IsCancellationRequested)
        {
            try
            {
                var stream = await listener.AcceptAsync(token).ConfigureAwait(false);
                _ = AcceptAsync(stream);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                ServerLog.ConnectionFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>Starts answering on the stream; the task completes when the client disconnects or is dropped.</summary>
    public Task AcceptAsync(Stream duplex)
    {
        ArgumentNullException.ThrowIfNull(duplex);
        if (Interlocked.Increment(ref _connections) > _limits.Connections)
        {
            Interlocked.Decrement(ref _connections);
            ServerLog.ConnectionRefused(_logger, _limits.Connections);
            duplex.Dispose();
            return Task.CompletedTask;
        }

        var session = new RpcSession(Host, identity, _logger);
        var guarded = new FramingLimitStream(duplex, _limits.HeaderBytes, () => session.Greeted ? _limits.BodyBytes : _limits.BodyBytesBeforeHandshake);
        var rpc = RpcConnection.Create(guarded);
        rpc.AddLocalRpcTarget<IBlenderFarmService>(session, RpcConnection.TargetOptions);
        session.Bind(rpc);
        var deadline = Host.Time.CreateTimer(_ => DropUngreeted(session, rpc), null, _limits.HandshakeDeadline, Timeout.InfiniteTimeSpan);
        rpc.Disconnected += (_, e) =>
        {
            deadline.Dispose();
            Host.Detach(session);
            ServerLog.Disconnected(_logger, e.Reason.ToString());
        };
        rpc.StartListening();
        ServerLog.Connected(_logger, Connections);
        return rpc.Completion.ContinueWith(_ =>
        {
            rpc.Dispose();
            guarded.Dispose();
            Interlocked.Decrement(ref _connections);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void DropUngreeted(RpcSession session, JsonRpc rpc)
    {
        if (!session.Greeted)
        {
            ServerLog.HandshakeTimedOut(_logger, (int)_limits.HandshakeDeadline.TotalSeconds);
            rpc.Dispose();
        }
    }
}
