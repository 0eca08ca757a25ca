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
        new HashSet<JobStatus> { JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Paused, JobStatus.Queued };

    /// <summary>Statuses from which a cancel changes something (a completed or cancelled job stays as it is).</summary>
    public static readonly IReadOnlySet<JobStatus> Cancellable =
        new HashSet<JobStatus> { JobStatus.Running, JobStatus.Failed, JobStatus.Paused, JobStatus.Queued };

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
        (JobStatus.Running, JobStatus.Queued) => true,       // a new job joins the farm's queue, or a crashed run's job waits in it again
        (JobStatus.Paused, JobStatus.Queued) => true,        // resumed into the farm's queue (or the farm restarted after a stop)
        (JobStatus.Failed, JobStatus.Queued) => true,
        (JobStatus.Cancelled, JobStatus.Queued) => true,
        (JobStatus.Queued, JobStatus.Running) => true,       // the farm starts its run
        (JobStatus.Queued, JobStatus.Paused) => true,        // paused while it waits
        (JobStatus.Queued, JobStatus.Cancelled) => true,     // cancelled while it waits
        (JobStatus.Queued, JobStatus.Failed) => true,        // its run could not start (the scene is gone, say)
        _ => false,
    };
}
