namespace BlenderFarm.Protocol;

/// <summary>
/// The add-on protocol's version and method names. The version goes up whenever a method, a field's meaning or an
/// error code changes incompatibly; both sides refuse a peer with another version (see docs/protocol.md).
/// </summary>
public static class ProtocolInfo
{
    /// <summary>The protocol version this build speaks. The add-on's <c>rpc.PROTOCOL_VERSION</c> must equal it.</summary>
    public const int Version = 2;

    /// <summary>What the server calls itself in the handshake.</summary>
    public const string ServerName = "blenderfarm";
}

/// <summary>Request methods (client to server).</summary>
public static class Methods
{
    public const string Handshake = "handshake";
    public const string JobSubmit = "job.submit";
    public const string JobStatus = "job.status";
    public const string JobList = "job.list";
    public const string JobCancel = "job.cancel";
    public const string JobWatch = "job.watch";
    public const string JobResume = "job.resume";
    public const string QueueSubmit = "queue.submit";
    public const string QueueList = "queue.list";
    public const string QueuePriority = "queue.priority";
    public const string QueuePause = "queue.pause";
    public const string QueueResume = "queue.resume";
}

/// <summary>Notifications (server to client, no reply).</summary>
public static class Notifications
{
    public const string JobProgress = "job.progress";
    public const string FrameDone = "frame.done";
    public const string JobEnded = "job.ended";
    public const string JobPreparing = "job.preparing";
}
