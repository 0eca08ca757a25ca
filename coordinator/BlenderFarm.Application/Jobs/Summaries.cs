using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Jobs;

/// <summary>Builds <see cref="JobSummary"/> from a journaled job and from a run's snapshots; the one place a phase is decided.</summary>
internal static class Summaries
{
    /// <summary>
    /// The user's phase of a journaled status. A job whose journal says running is interrupted unless a coordinator
    /// holds it: the run that wrote "running" crashed or was killed.
    /// </summary>
    public static JobPhase Phase(JobStatus status, bool heldByACoordinator) => status switch
    {
        JobStatus.Running => heldByACoordinator ? JobPhase.Running : JobPhase.Interrupted,
        JobStatus.Completed => JobPhase.Completed,
        JobStatus.Failed => JobPhase.Failed,
        JobStatus.Cancelled => JobPhase.Cancelled,
        JobStatus.Paused => JobPhase.Paused,
        JobStatus.Queued => JobPhase.Queued,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "A job status without a phase."),
    };

    public static JobSummary FromJournal(JobState state, JobPhase phase)
    {
        var spec = state.Spec;
        var done = state.Count(FrameState.Done);
        var failed = state.Count(FrameState.Failed);
        var queued = state.Count(FrameState.Queued);
        var last = state.Frames.Where(f => f.State == FrameState.Done).MaxBy(f => f.ChangedAt);
        return new JobSummary(
            spec.JobId,
            phase,
            phase is JobPhase.Running ? null : state.StatusReason,
            spec.BlendFile,
            spec.OutputDirectory,
            spec.Workers,
            spec.Frames.Count,
            done,
            failed,
            queued,
            spec.Frames.Count - done - failed - queued,
            state.Cost,
            last is null ? null : new FinishedFrame(last.Frame, spec.FramePath(last.Frame), last.Slot, last.RenderSeconds))
        {
            Hosts = state.Hosts,
        };
    }

    public static JobSummary WithProgress(JobSummary summary, JobProgress progress) => summary with
    {
        Total = progress.Total,
        Done = progress.Done,
        Failed = progress.Failed,
        Queued = progress.Queued,
        InFlight = progress.InFlight,
        Cost = progress.Cost,
        Live = progress,
    };
}
