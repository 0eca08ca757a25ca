using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Server;

/// <summary>The RPC server's log messages (event ids 100-199). They go to stderr, never to the RPC stream.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "blenderfarm serve {Version} (pid {Pid}) listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string version, int pid, string endpoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "client connected ({Sessions} connection(s))")]
    public static partial void Connected(ILogger logger, int sessions);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "client disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "handshake refused: {Reason}")]
    public static partial void HandshakeRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "{Method} refused ({Code}): {Reason}")]
    public static partial void Refused(ILogger logger, string method, int code, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "job {JobId} ended {Phase}: {Message}")]
    public static partial void JobEnded(ILogger logger, string jobId, string phase, string message);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "job {JobId} stopped on an unexpected error")]
    public static partial void JobCrashed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "idle for {Seconds} s with no job and no connection: exiting")]
    public static partial void IdleExit(ILogger logger, int seconds);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "stopping: waiting for {Jobs} job(s) to pause")]
    public static partial void Stopping(ILogger logger, int jobs);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "a client connection failed: {Reason}")]
    public static partial void ConnectionFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 123, Level = LogLevel.Warning, Message = "a connection was refused: {Limit} connections are open already")]
    public static partial void ConnectionRefused(ILogger logger, int limit);

    [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "a connection was closed: no handshake within {Seconds} s")]
    public static partial void HandshakeTimedOut(ILogger logger, int seconds);
}
