namespace BlenderFarm.Domain.Jobs;

/// <summary>A job as a whole. Values are written to the journal: explicit, only appended.</summary>
public enum JobStatus
{
    /// <summary>A coordinator is working on it (or was, until it crashed).</summary>
    Running = 0,

    /// <summary>Every frame is done.</summary>
    Completed = 1,

    /// <summary>The run ended with frames that failed every attempt, or with no slot left to render.</summary>
    Failed = 2,

    /// <summary>The user cancelled it.</summary>
    Cancelled = 3,

    /// <summary>The run stopped on purpose before the end (Ctrl+C, disk full); <c>resume</c> carries on.</summary>
    Paused = 4,

    /// <summary>It waits in the farm's queue (<c>blenderfarm serve</c>) for its run: submitted, resumed, or carried over a restart.</summary>
    Queued = 5,
}
