using System.Text.Json.Serialization;

namespace BlenderFarm.Protocol;

/// <summary><c>handshake</c> params. <c>token</c> is required on loopback TCP and ignored on a Unix socket.</summary>
public sealed record HandshakeRequest
{
    public required int ProtocolVersion { get; init; }

    public required string Client { get; init; }

    public string? ClientVersion { get; init; }

    public string? Token { get; init; }
}

/// <summary><c>handshake</c> result.</summary>
public sealed record HandshakeReply
{
    public required int ProtocolVersion { get; init; }

    public required string Server { get; init; }

    public required string ServerVersion { get; init; }

    public required int ProcessId { get; init; }

    /// <summary>Workers kinds this coordinator can render on, e.g. <c>["local"]</c>.</summary>
    public required IReadOnlyList<string> WorkerKinds { get; init; }
}

/// <summary><c>job.submit</c> params: a job folder the add-on packed, and what to render from it.</summary>
public sealed record SubmitRequest
{
    /// <summary>Absolute path of the packed job folder (the .blend copy and its dependencies).</summary>
    public required string JobFolder { get; init; }

    /// <summary>The .blend's path relative to <see cref="JobFolder"/>.</summary>
    public required string BlendFile { get; init; }

    /// <summary>Frame list in the CLI's syntax (<c>1-250</c>, <c>1,5,9</c>, <c>1-100x4</c>); null for the scene's range.</summary>
    public string? Frames { get; init; }

    /// <summary><c>auto</c> or a frame count; null means auto.</summary>
    public string? Chunk { get; init; }

    /// <summary>What to render on; null for the default (local slots).</summary>
    public WorkersInfo? Workers { get; init; }

    /// <summary>Absolute folder for the finished frames; null for one next to the job folder's .blend.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>The Blender to render with (the add-on sends its own); null to let the coordinator find one.</summary>
    public string? BlenderPath { get; init; }

    /// <summary>Render even though the scene reports missing files (the user chose to continue).</summary>
    public bool AllowMissing { get; init; }
}

/// <summary><c>job.submit</c> result.</summary>
public sealed record SubmitReply
{
    public required string JobId { get; init; }

    public required JobStatusInfo Status { get; init; }
}

/// <summary>Params of the methods that act on one job.</summary>
public sealed record JobRequest
{
    public required string JobId { get; init; }
}

/// <summary><c>job.list</c> params (none yet: send <c>{}</c>).</summary>
public sealed record JobListRequest
{
    /// <summary>Only the newest N jobs; null or 0 for all.</summary>
    public int? Limit { get; init; }
}

/// <summary><c>job.list</c> result.</summary>
public sealed record JobListReply
{
    public required IReadOnlyList<JobStatusInfo> Jobs { get; init; }
}

/// <summary>Where a job stands. On the wire as a lowercase string. Values explicit, only appended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPhase>))]
public enum JobPhase
{
    [JsonStringEnumMemberName("running")]
    Running = 0,

    [JsonStringEnumMemberName("completed")]
    Completed = 1,

    [JsonStringEnumMemberName("failed")]
    Failed = 2,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled = 3,

    [JsonStringEnumMemberName("paused")]
    Paused = 4,

    /// <summary>The journal says running but no coordinator holds the job (it crashed or was killed): resume it.</summary>
    [JsonStringEnumMemberName("interrupted")]
    Interrupted = 5,

    /// <summary>It waits in the farm's queue (<c>blenderfarm serve</c>) for its run.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued = 6,
}

/// <summary>One job's status: the <c>job.status</c> result and the <c>job.progress</c> notification.</summary>
public sealed record JobStatusInfo
{
    public required string JobId { get; init; }

    public required JobPhase Phase { get; init; }

    /// <summary>Why it ended or paused, one sentence; null while running.</summary>
    public string? Reason { get; init; }

    public required string BlendFile { get; init; }

    public required string OutputFolder { get; init; }

    public required string Workers { get; init; }

    public required int Total { get; init; }

    public required int Done { get; init; }

    public required int Failed { get; init; }

    public required int Queued { get; init; }

    public required int InFlight { get; init; }

    public double? FramesPerMinute { get; init; }

    public double? EtaSeconds { get; init; }

    public double ElapsedSeconds { get; init; }

    /// <summary>Money spent on workers so far, in <see cref="CostCurrency"/>; 0 on local slots.</summary>
    public double Cost { get; init; }

    public string CostCurrency { get; init; } = "USD";

    /// <summary>Whether this server process is rendering the job right now (live figures).</summary>
    public bool Live { get; init; }

    /// <summary>The most recently finished frame and its file, for a preview; null before the first.</summary>
    public FrameDoneInfo? LastFrame { get; init; }

    public IReadOnlyList<SlotInfo> Slots { get; init; } = [];

    /// <summary>The worker hosts (SSH) of the job's latest run, with the Blender each runs; empty for local slots.</summary>
    public IReadOnlyList<HostInfo> Hosts { get; init; } = [];
}

/// <summary>A worker host and the Blender version it reported when the run made it ready.</summary>
public sealed record HostInfo
{
    /// <summary>user@host as the hosts file names it.</summary>
    public required string Host { get; init; }

    public required string BlenderVersion { get; init; }

    public required int Slots { get; init; }
}

/// <summary>What one worker slot (host, instance) is doing.</summary>
public sealed record SlotInfo
{
    public required string Slot { get; init; }

    public required string Doing { get; init; }

    public int? Frame { get; init; }

    public int Sample { get; init; }

    public int Samples { get; init; }

    public bool Retired { get; init; }
}

/// <summary>The <c>frame.done</c> notification: a verified frame and its file.</summary>
public sealed record FrameDoneInfo
{
    public required string JobId { get; init; }

    public required int Frame { get; init; }

    public required string Path { get; init; }

    public string? Slot { get; init; }

    public double? RenderSeconds { get; init; }
}

/// <summary>The <c>job.ended</c> notification: the run is over (the job may still be resumed).</summary>
public sealed record JobEndedInfo
{
    public required string JobId { get; init; }

    public required JobPhase Phase { get; init; }

    /// <summary>One sentence for the user, e.g. "Job X completed: 8/8 frames in 12s (40.0 frames/min), in /out".</summary>
    public required string Message { get; init; }

    public required JobStatusInfo Status { get; init; }
}

/// <summary>
/// The <c>job.preparing</c> notification: what <c>job.submit</c> is doing before it replies (the job id is the one
/// the reply will carry), sent to the submitting connection.
/// </summary>
public sealed record JobPreparingInfo
{
    public required string JobId { get; init; }

    /// <summary>What is being done, e.g. <c>uploading job files</c>.</summary>
    public required string Step { get; init; }

    /// <summary>The job files' upload to S3 (AWS jobs); null for steps without a transfer.</summary>
    public UploadProgressInfo? Upload { get; init; }
}

/// <summary>Where the upload of a job's files stands.</summary>
public sealed record UploadProgressInfo
{
    public required long SentBytes { get; init; }

    /// <summary>Bytes to send: the files the bucket does not hold yet.</summary>
    public required long TotalBytes { get; init; }

    /// <summary>Files not sent because the bucket already holds them (same content).</summary>
    public int SkippedFiles { get; init; }

    public long SkippedBytes { get; init; }

    /// <summary>Average since the upload began; 0 before anything was sent.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Null until a rate is known.</summary>
    public double? EtaSeconds { get; init; }
}
