using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>What a run's start does to one frame: put it back in the queue (and why), and adopt a verified file for it.</summary>
public sealed record ResumeDecision(int Frame, string? RequeueReason, long? AdoptedBytes)
{
    /// <summary>True when the frame counts as done once the run has started: kept, or adopted from its file.</summary>
    public bool DoneAfterStart { get; init; }
}

/// <summary>
/// The one rule for what a run's start (render or resume) keeps, queues again and adopts. The scheduler applies it
/// (<see cref="JobScheduler.StartRun"/>), and <c>status</c> shows it for a job nobody is running, so both count the
/// same frames as done, including after a journal cut in the middle of a record.
/// </summary>
public static class ResumeRule
{
    /// <param name="doneOutputIntact">Whether a done frame's file is still there as recorded.</param>
    /// <param name="verifiedOutputBytes">For a frame not done: the size of a verified file this job wrote for it, else null.</param>
    public static IReadOnlyList<ResumeDecision> Decide(JobState state, Func<FrameInfo, bool> doneOutputIntact, Func<int, long?> verifiedOutputBytes)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(doneOutputIntact);
        ArgumentNullException.ThrowIfNull(verifiedOutputBytes);
        var isResume = state.Runs > 0;
        return [.. state.Frames.Select(frame => Decide(frame, isResume, doneOutputIntact, verifiedOutputBytes))];
    }

    private static ResumeDecision Decide(FrameInfo frame, bool isResume, Func<FrameInfo, bool> doneOutputIntact, Func<int, long?> verifiedOutputBytes)
    {
        string? requeue = null;
        if (FrameTransitions.InFlight.Contains(frame.State))
        {
            requeue = $"the coordinator stopped while it was {frame.State.ToString().ToLowerInvariant()}";
        }
        else if (frame.State == FrameState.Failed)
        {
            requeue = "queued again on resume after: " + frame.LastError;
        }
        else if (frame.State == FrameState.Done)
        {
            if (doneOutputIntact(frame))
            {
                return new ResumeDecision(frame.Frame, null, null) { DoneAfterStart = true };
            }

            requeue = "its file was missing or changed on resume";
        }

        // Queued now (or again): a resume adopts the verified file a crashed run wrote but had not journaled.
        var adopted = isResume ? verifiedOutputBytes(frame.Frame) : null;
        return new ResumeDecision(frame.Frame, requeue, adopted) { DoneAfterStart = adopted is not null };
    }
}
