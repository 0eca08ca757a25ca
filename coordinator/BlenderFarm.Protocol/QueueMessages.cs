namespace BlenderFarm.Protocol;

/// <summary><c>queue.submit</c> params: a .blend on this machine and what to render from it, on the farm's pool.</summary>
public sealed record QueueSubmitRequest
{
    /// <summary>Absolute path of the .blend.</summary>
    public required string BlendFile { get; init; }

    public string? Frames { get; init; }

    public string? OutputFolder { get; init; }

    public string? Chunk { get; init; }

    public string? BlenderPath { get; init; }

    public bool AllowMissing { get; init; }

    /// <summary>Higher first; equal priorities go in submit order.</summary>
    public int Priority { get; init; }

    /// <summary>Queue it paused: it keeps its place and gets slots once resumed.</summary>
    public bool Paused { get; init; }

    public string? JobId { get; init; }
}

/// <summary><c>queue.list</c> params (none yet).</summary>
public sealed record QueueListRequest;

/// <summary><c>queue.priority</c> params.</summary>
public sealed record QueuePriorityRequest
{
    public required string JobId { get; init; }

    public required int Priority { get; init; }
}

/// <summary><c>queue.pause</c> and <c>queue.resume</c> params.</summary>
public sealed record QueueJobsRequest
{
    public required IReadOnlyList<string> JobIds { get; init; }
}

/// <summary>One job of the farm's queue.</summary>
public sealed record QueueEntryInfo
{
    public required string JobId { get; init; }

    public required int Priority { get; init; }

    /// <summary><c>waiting</c>, <c>rendering</c>, <c>paused</c> or <c>failed</c> (its run could not start).</summary>
    public required string Place { get; init; }

    /// <summary>Pool slots the job holds now.</summary>
    public required int Slots { get; init; }

    /// <summary>With <c>failed</c>: why the run could not start, one sentence.</summary>
    public string? Reason { get; init; }

    public required JobStatusInfo Status { get; init; }
}

/// <summary>The farm's queue, in the order it serves it, and its pool's size.</summary>
public sealed record QueueListReply
{
    public required IReadOnlyList<QueueEntryInfo> Jobs { get; init; }

    public required int Slots { get; init; }
}
