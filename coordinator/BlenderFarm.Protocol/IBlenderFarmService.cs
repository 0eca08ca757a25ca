using StreamJsonRpc;

namespace BlenderFarm.Protocol;

/// <summary>
/// The one contract between the Blender add-on and the coordinator (<c>blenderfarm serve</c>). JSON-RPC 2.0 with
/// Content-Length headers; every request's <c>params</c> is one JSON object (the DTO, camelCase). A connection
/// must call <c>handshake</c> first. Errors are <see cref="RpcErrorCode"/>s. After <c>job.submit</c> or
/// <c>job.watch</c> the connection receives that job's <see cref="IBlenderFarmClient"/> notifications.
/// docs/protocol.md shows every message.
/// </summary>
[JsonRpcContract]
public partial interface IBlenderFarmService
{
    /// <summary>First call on every connection: agrees on the protocol version (and proves the token on loopback TCP).</summary>
    [JsonRpcMethod(Methods.Handshake, UseSingleObjectParameterDeserialization = true)]
    Task<HandshakeReply> HandshakeAsync(HandshakeRequest request, CancellationToken cancellationToken);

    /// <summary>Checks and starts a job on a packed job folder; replies once the job is journaled and rendering.</summary>
    [JsonRpcMethod(Methods.JobSubmit, UseSingleObjectParameterDeserialization = true)]
    Task<SubmitReply> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken);

    /// <summary>One job's progress: live for a job this server renders, from its journal otherwise.</summary>
    [JsonRpcMethod(Methods.JobStatus, UseSingleObjectParameterDeserialization = true)]
    Task<JobStatusInfo> StatusAsync(JobRequest request, CancellationToken cancellationToken);

    /// <summary>Every job in the user's job store, oldest first.</summary>
    [JsonRpcMethod(Methods.JobList, UseSingleObjectParameterDeserialization = true)]
    Task<JobListReply> ListAsync(JobListRequest request, CancellationToken cancellationToken);

    /// <summary>Stops a job; frames already done stay. Replies with the job's status once the request is made.</summary>
    [JsonRpcMethod(Methods.JobCancel, UseSingleObjectParameterDeserialization = true)]
    Task<JobStatusInfo> CancelAsync(JobRequest request, CancellationToken cancellationToken);

    /// <summary>Subscribes this connection to a job's notifications (e.g. after reopening a .blend) and returns its status.</summary>
    [JsonRpcMethod(Methods.JobWatch, UseSingleObjectParameterDeserialization = true)]
    Task<JobStatusInfo> WatchAsync(JobRequest request, CancellationToken cancellationToken);

    /// <summary>Carries on an interrupted, paused, failed or cancelled job in this server, like <c>blenderfarm resume</c>; subscribes to it.</summary>
    [JsonRpcMethod(Methods.JobResume, UseSingleObjectParameterDeserialization = true)]
    Task<JobStatusInfo> ResumeAsync(JobRequest request, CancellationToken cancellationToken);

    /// <summary>Checks a .blend and puts it in the farm's queue with a priority; replies once it is journaled and queued.</summary>
    [JsonRpcMethod(Methods.QueueSubmit, UseSingleObjectParameterDeserialization = true)]
    Task<QueueEntryInfo> QueueSubmitAsync(QueueSubmitRequest request, CancellationToken cancellationToken);

    /// <summary>The farm's queue in the order it serves it.</summary>
    [JsonRpcMethod(Methods.QueueList, UseSingleObjectParameterDeserialization = true)]
    Task<QueueListReply> QueueListAsync(QueueListRequest request, CancellationToken cancellationToken);

    /// <summary>Changes a queued job's priority; a higher one than the rendering job's takes its slots at their next chunk.</summary>
    [JsonRpcMethod(Methods.QueuePriority, UseSingleObjectParameterDeserialization = true)]
    Task<QueueEntryInfo> QueuePriorityAsync(QueuePriorityRequest request, CancellationToken cancellationToken);

    /// <summary>Pauses queued jobs: their runs stop (frames in flight go back) and they get no slot until resumed.</summary>
    [JsonRpcMethod(Methods.QueuePause, UseSingleObjectParameterDeserialization = true)]
    Task<QueueListReply> QueuePauseAsync(QueueJobsRequest request, CancellationToken cancellationToken);

    /// <summary>Lets paused jobs have slots again (all at once, so the queue's order decides); other jobs join the queue.</summary>
    [JsonRpcMethod(Methods.QueueResume, UseSingleObjectParameterDeserialization = true)]
    Task<QueueListReply> QueueResumeAsync(QueueJobsRequest request, CancellationToken cancellationToken);
}

/// <summary>The notifications the server sends to a connection watching a job. The add-on implements these.</summary>
[JsonRpcContract]
public partial interface IBlenderFarmClient
{
    /// <summary>A progress snapshot, at most twice a second while the job runs.</summary>
    [JsonRpcMethod(Notifications.JobProgress, UseSingleObjectParameterDeserialization = true)]
    Task OnJobProgressAsync(JobStatusInfo status);

    /// <summary>A frame was rendered and verified; <c>path</c> is its file in the output folder.</summary>
    [JsonRpcMethod(Notifications.FrameDone, UseSingleObjectParameterDeserialization = true)]
    Task OnFrameDoneAsync(FrameDoneInfo frame);

    /// <summary>The job's run ended: completed, failed, cancelled or paused, with one sentence for the user.</summary>
    [JsonRpcMethod(Notifications.JobEnded, UseSingleObjectParameterDeserialization = true)]
    Task OnJobEndedAsync(JobEndedInfo ended);
}
