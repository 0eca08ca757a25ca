namespace BlenderFarm.Domain.Jobs;

/// <summary>
/// The rules of a job's life, beside <see cref="Frames.FrameTransitions"/>: which status may follow which, and the
/// named sets callers ask about. <see cref="JobState.ChangeStatus"/> checks every change against this table before
/// it is journaled, and replaying a journal checks it again.
/// </summary>
public static class JobTransitions
{
    /// <summary>Statuses a job rests in when no run is going; <c>resume</c> starts a new run from any of them.</summary>
    public static readonly IReadOnlySet<JobStatus> Ended =
        new HashSet<JobStatus> { JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Paused };

    /// <summary>Statuses from which a cancel changes something (a completed or cancelled job stays as it is).</summary>
    public static readonly IReadOnlySet<JobStatus> Cancellable =
        new HashSet<JobStatus> { JobStatus.Running, JobStatus.Failed, JobStatus.Paused };

    public static bool IsAllowed(JobStatus from, JobStatus to) => (from, to) switch
    {
        (JobStatus.Running, JobStatus.Running) => true,      // a run starts (first run, or a resume after a crash)
        (JobStatus.Running, JobStatus.Completed) => true,    // every frame done
        (JobStatus.Running, JobStatus.Failed) => true,       // frames failed every attempt, or no slot was left
        (JobStatus.Running, JobStatus.Cancelled) => true,    // the user cancelled the run, or a crashed run
        (JobStatus.Running, JobStatus.Paused) => true,       // Ctrl+C, disk full, money limit
        (JobStatus.Completed, JobStatus.Running) => true,    // resume found a done frame's file gone
        (JobStatus.Failed, JobStatus.Running) => true,       // resume retries the failed frames
        (JobStatus.Paused, JobStatus.Running) => true,       // resume
        (JobStatus.Cancelled, JobStatus.Running) => true,    // resume of a cancelled job
        (JobStatus.Failed, JobStatus.Cancelled) => true,     // cancel while nobody runs it
        (JobStatus.Paused, JobStatus.Cancelled) => true,
        _ => false,
    };
}
