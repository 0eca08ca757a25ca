using System.Globalization;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Domain.Scheduling;

public sealed partial class JobScheduler
{
    private Task _durable = Task.CompletedTask;
    private double _renderSecondsSum;
    private int _renderedCount;
    private int _doneThisRun;
    private DateTimeOffset? _firstChunkAt;
    private DateTimeOffset? _firstDoneAt;

    /// <summary>Failed attempts each frame had when this run started: the attempt limit counts this run's only.</summary>
    private Dictionary<int, int> _failuresBeforeRun = [];

    /// <summary>
    /// Opens a run of the job (first run or resume): journals it, queues again every frame a crashed run left in flight
    /// and every frame that failed, queues done frames whose file is no longer intact, and adopts verified files that a
    /// crashed run wrote but had not journaled yet: <see cref="ResumeRule"/>, which <c>status</c> shows too.
    /// </summary>
    /// <param name="doneOutputIntact">Whether a done frame's file is still there as recorded.</param>
    /// <param name="verifiedOutputBytes">For a frame not done: the size of a verified file this job wrote for it, else null.</param>
    /// <param name="hosts">The worker hosts made ready for this run (journaled with it, for <c>status</c>); null for none.</param>
    public void StartRun(int processId, string workers, Func<FrameInfo, bool> doneOutputIntact, Func<int, long?> verifiedOutputBytes, IReadOnlyList<WorkerHost>? hosts = null)
    {
        ArgumentNullException.ThrowIfNull(doneOutputIntact);
        ArgumentNullException.ThrowIfNull(verifiedOutputBytes);
        Task durable;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var decisions = ResumeRule.Decide(_state, doneOutputIntact, verifiedOutputBytes);
            var isResume = _state.Runs > 0;
            AppendAndApply(new RunStarted(now, processId, workers, hosts is { Count: > 0 } ? hosts : null));
            _state.ChangeStatus(Append, JobStatus.Running, now, isResume ? "resumed" : null);
            foreach (var decision in decisions)
            {
                if (decision.RequeueReason is { } reason)
                {
                    Move(decision.Frame, FrameState.Queued, null, detail: reason);
                }
            }

            foreach (var decision in decisions)
            {
                if (decision.AdoptedBytes is { } bytes)
                {
                    Move(decision.Frame, FrameState.Done, null, detail: "adopted the verified file written before the coordinator stopped", bytes: bytes);
                }
            }

            _failuresBeforeRun = _state.Frames.ToDictionary(f => f.Frame, f => f.FailedAttempts);
            durable = _durable;
        }

        durable.GetAwaiter().GetResult();
    }

    /// <summary>Ends the run: the given status (pause, cancel), or else Completed when every frame is done and Failed otherwise.</summary>
    public JobStatus Finish(JobStatus? status = null, string? reason = null)
    {
        Task durable;
        lock (_lock)
        {
            if (status is null)
            {
                var failed = _state.Frames.Where(f => f.State != FrameState.Done).Select(f => f.Frame).ToList();
                status = failed.Count == 0 ? JobStatus.Completed : JobStatus.Failed;
                reason ??= failed.Count == 0 ? null : DescribeUnfinished(failed);
            }

            _state.ChangeStatus(Append, status.Value, _time.GetUtcNow(), reason);
            WakeAll();
            durable = _durable;
        }

        durable.GetAwaiter().GetResult();
        return status.Value;
    }

    /// <summary>What a cloud instance has cost so far (or in all, once it ended): journaled, then applied.</summary>
    public void RecordInstanceCost(InstanceCostRecorded record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            AppendAndApply(record);
        }
    }

    /// <summary>Transient progress from a slot: the sample Blender is on.</summary>
    public void ReportSample(string slot, int frame, int sample, int samples)
    {
        lock (_lock)
        {
            if (Holds(slot, frame, FrameState.Rendering) || IsCopy(slot, frame))
            {
                _slots[slot].Activity = (frame, sample, samples, IsCopy(slot, frame) ? $"rendering a copy of {frame}" : $"rendering {frame}");
                Progressed(slot);
            }
        }
    }

    /// <summary>Transient progress from a slot that holds no frame (starting Blender, say).</summary>
    public void ReportActivity(string slot, string doing)
    {
        lock (_lock)
        {
            _slots[slot].Activity = (null, 0, 0, doing);
        }
    }

    /// <summary>A full snapshot, with every slot's activity (linear in slots: for a timer, not for every change).</summary>
    public JobProgress Progress()
    {
        lock (_lock)
        {
            SlotSnapshots++;
            var slots = _slots.Values
                .Select(s => new SlotActivity(s.Id, s.Activity.Doing, s.Activity.Frame, s.Activity.Sample, s.Activity.Samples, s.Retired))
                .ToList();
            return ProgressLocked(slots);
        }
    }

    /// <summary>The counters now, in constant time, with the given slot activity (the last full snapshot's, say).</summary>
    public JobProgress Progress(IReadOnlyList<SlotActivity> slots)
    {
        lock (_lock)
        {
            return ProgressLocked(slots);
        }
    }

    /// <summary>How many full snapshots (<see cref="Progress()"/>) were built: each walks every slot.</summary>
    internal long SlotSnapshots { get; private set; }

    private JobProgress ProgressLocked(IReadOnlyList<SlotActivity> slots)
    {
        var now = _time.GetUtcNow();
        var done = _doneCount;
        var failed = _failedCount;
        var remaining = _state.Spec.Frames.Count - done - failed;
        double? perMinute = null;
        TimeSpan? eta = null;
        if (_firstChunkAt is { } since && _doneThisRun > 0 && now > since)
        {
            perMinute = _doneThisRun / (now - since).TotalMinutes;
            eta = TimeSpan.FromMinutes(remaining / perMinute.Value);
        }

        return new JobProgress(
            _state.Spec.Frames.Count,
            done,
            failed,
            _queue.Count,
            _inFlightCount,
            perMinute,
            eta,
            now - RunStartedAt,
            slots,
            _state.Cost);
    }

    private string DescribeUnfinished(List<int> frames)
    {
        var parts = new List<string>();
        var failedFrames = frames.Where(f => _state.Frame(f).State == FrameState.Failed).ToList();
        if (failedFrames.Count > 0)
        {
            var first = _state.Frame(failedFrames[0]);
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"{failedFrames.Count} frame(s) failed every attempt ({FrameSpec.Format(failedFrames)}); frame {first.Frame}: {first.LastError}"));
        }

        var neverRendered = frames.Where(f => _state.Frame(f).State != FrameState.Failed).ToList();
        if (neverRendered.Count > 0)
        {
            var reasons = string.Join("; ", _state.RetiredSlots.Select(r => $"{r.Key}: {r.Value}"));
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"no slot was left to render {neverRendered.Count} frame(s) ({FrameSpec.Format(neverRendered)}): {reasons}"));
        }

        return string.Join("; and ", parts);
    }

    /// <summary>
    /// Appends the record (group commit: durable later, with others) and applies it. <see cref="_durable"/> then
    /// completes once this record and every one before it is on the disk: whoever acts on a transition outside the
    /// scheduler (a slot handed work, a frame reported done) waits for it first.
    /// </summary>
    private void AppendAndApply(JournalRecord record)
    {
        Append(record);
        _state.Apply(record);
    }

    /// <summary>Appends the record without applying it (for changes <see cref="JobState"/> applies itself).</summary>
    private void Append(JournalRecord record) => _durable = _journal.AppendAsync(record);
}
