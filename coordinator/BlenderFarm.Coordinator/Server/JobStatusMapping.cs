using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>Turns a job's journal state and, while it runs here, its live snapshot into the protocol's status.</summary>
internal static class JobStatusMapping
{
    public static JobStatusInfo FromJournal(JobStore store, JobState state)
    {
        var spec = state.Spec;
        var done = state.Count(FrameState.Done);
        var failed = state.Count(FrameState.Failed);
        var queued = state.Count(FrameState.Queued);
        var phase = Phase(JobDescription.StatusWord(store, state));
        return new JobStatusInfo
        {
            JobId = spec.JobId,
            Phase = phase,
            Reason = phase is JobPhase.Running ? null : state.StatusReason,
            BlendFile = spec.BlendFile,
            OutputFolder = spec.OutputDirectory,
            Workers = spec.Workers,
            Total = spec.Frames.Count,
            Done = done,
            Failed = failed,
            Queued = queued,
            InFlight = spec.Frames.Count - done - failed - queued,
            LastFrame = LastFrame(state),
            Cost = state.Cost,
        };
    }

    public static JobStatusInfo FromLive(JobStore store, JobState state, JobProgress progress, FrameDoneInfo? lastFrame)
    {
        var journal = FromJournal(store, state);
        return journal with
        {
            Phase = JobPhase.Running,
            Reason = null,
            Total = progress.Total,
            Done = progress.Done,
            Failed = progress.Failed,
            Queued = progress.Queued,
            InFlight = progress.InFlight,
            FramesPerMinute = progress.FramesPerMinute,
            EtaSeconds = progress.Eta?.TotalSeconds,
            ElapsedSeconds = progress.Elapsed.TotalSeconds,
            Cost = progress.Cost,
            Live = true,
            LastFrame = lastFrame ?? journal.LastFrame,
            Slots = [.. progress.Slots.Select(s => new SlotInfo
            {
                Slot = s.Slot,
                Doing = s.Doing,
                Frame = s.Frame,
                Sample = s.Sample,
                Samples = s.Samples,
                Retired = s.Retired,
            })],
        };
    }

    public static JobPhase Phase(string statusWord) => statusWord switch
    {
        "running" => JobPhase.Running,
        "completed" => JobPhase.Completed,
        "failed" => JobPhase.Failed,
        "cancelled" => JobPhase.Cancelled,
        "paused" => JobPhase.Paused,
        _ => JobPhase.Interrupted,
    };

    private static FrameDoneInfo? LastFrame(JobState state)
    {
        var last = state.Frames.Where(f => f.State == FrameState.Done).MaxBy(f => f.ChangedAt);
        return last is null
            ? null
            : new FrameDoneInfo
            {
                JobId = state.Spec.JobId,
                Frame = last.Frame,
                Path = state.Spec.FramePath(last.Frame),
                Slot = last.Slot,
                RenderSeconds = last.RenderSeconds,
            };
    }
}
