using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application.Jobs;

/// <summary>
/// The workers a job renders on (local slots, SSH hosts, cloud instances), as the adapters that build them understand
/// them. <see cref="object.ToString"/> is the description journaled with each run.
/// </summary>
public interface IWorkersChoice;

/// <summary>Render a .blend: the frames (null: the scene's range), where to, on what, in chunks of what size.</summary>
public sealed record SubmitJob(
    string BlendFile,
    string? Frames,
    string? Output,
    IWorkersChoice Workers,
    ChunkPolicy Chunk,
    string? Blender,
    bool AllowMissing,
    string? JobId);

/// <summary>Carry on a job; <see cref="Workers"/> and <see cref="Blender"/> replace what the job used before.</summary>
public sealed record ResumeJob(string JobId, IWorkersChoice? Workers, string? Blender);

/// <summary>Stop a job; <see cref="Wait"/>: return only once its run has stopped (or <see cref="JobService.CancelPatience"/> passed).</summary>
public sealed record CancelJob(string JobId, bool Wait);

/// <summary>What a cancel did.</summary>
public enum CancelEffect
{
    /// <summary>Nobody was rendering it: it is marked cancelled in its journal.</summary>
    Cancelled = 0,

    /// <summary>A run (here or in another process) was asked to stop; with Wait, it has stopped.</summary>
    Stopped = 1,

    /// <summary>It was completed or cancelled already; nothing changed.</summary>
    Unchanged = 2,

    /// <summary>Its run was asked to stop but still holds the job after the patience ran out.</summary>
    StillRunning = 3,

    /// <summary>Another process holds the job but could not be asked to stop (<see cref="CancelResult.Problem"/> says why).</summary>
    Unreachable = 4,
}

/// <param name="Problem">With <see cref="CancelEffect.Unreachable"/>: why the run could not be asked, in one sentence.</param>
public sealed record CancelResult(CancelEffect Effect, JobSummary Job, string? Problem = null);

/// <summary>Pause a job's run; <see cref="Wait"/>: return only once it has stopped (or <see cref="JobService.CancelPatience"/> passed).</summary>
public sealed record PauseJob(string JobId, bool Wait);

/// <summary>What a pause did.</summary>
public enum PauseEffect
{
    /// <summary>Its run (here or in another process) was asked to pause; with Wait, it has stopped.</summary>
    Stopped = 0,

    /// <summary>Nobody renders it: nothing to pause.</summary>
    NotRendering = 1,

    /// <summary>Its run was asked to pause but still holds the job after the patience ran out.</summary>
    StillRunning = 2,

    /// <summary>Another process holds the job but could not be asked (<see cref="PauseResult.Problem"/> says why).</summary>
    Unreachable = 3,
}

/// <param name="Problem">With <see cref="PauseEffect.Unreachable"/>: why the run could not be asked, in one sentence.</param>
public sealed record PauseResult(PauseEffect Effect, JobSummary Job, string? Problem = null);

/// <summary>A run this service started: its job, and its outcome once it ends.</summary>
public sealed record RunningJob(JobSpec Spec, Task<JobOutcome> Completion);

/// <summary>One line of <see cref="JobService.List"/>: a job, or why its journal cannot be read.</summary>
public sealed record JobListing(string JobId, JobSummary? Job, string? Unreadable);
