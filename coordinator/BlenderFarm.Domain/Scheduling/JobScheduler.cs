using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// The one place where frames change state. Idle slots pull chunks from it; slots report what happened to each frame.
/// Every transition is checked against <see cref="FrameTransitions"/>, appended to the journal and applied; the
/// journal makes records durable in batches (group commit), and nothing outside acts on a transition before it is
/// durable: a slot receives its chunk, and a frame is reported done, only then. Reports about a frame from a slot
/// that no longer holds it are ignored, so a frame ends exactly once.
/// Public methods take the lock; private twins do the work.
/// </summary>
public sealed partial class JobScheduler
{
    private readonly Lock _lock = new();
    private readonly JobState _state;
    private readonly IJobJournal _journal;
    private readonly TimeProvider _time;
    private readonly SchedulerOptions _options;
    private readonly SortedSet<int> _queue = [];
    private readonly Dictionary<string, SlotRecord> _slots = [];

    private bool _slotsMayJoin;

    public JobScheduler(JobState state, IJobJournal journal, TimeProvider time, SchedulerOptions options, IEnumerable<string> slotIds)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(slotIds);
        options.Validate();
        _state = state;
        _journal = journal;
        _time = time;
        _options = options;
        foreach (var id in slotIds)
        {
            _slots[id] = new SlotRecord(id);
            _activeSlots++;
        }

        foreach (var frame in state.Frames)
        {
            Count(frame.State, +1);
            if (frame.State == FrameState.Queued)
            {
                _queue.Add(frame.Frame);
            }
        }

        RunStartedAt = time.GetUtcNow();
    }

    /// <summary>Called after every journaled frame transition (inside the lock: handlers must be quick).</summary>
    public event Action<FrameChanged>? FrameChanged;

    public JobSpec Spec => _state.Spec;

    public DateTimeOffset RunStartedAt { get; }

    /// <summary>
    /// True once no frame is queued or in flight, or no slot is left to take work and none may join
    /// (<see cref="SlotsMayJoin"/>).
    /// </summary>
    public bool IsFinished
    {
        get
        {
            lock (_lock)
            {
                return IsFinishedLocked();
            }
        }
    }

    /// <summary>
    /// While true, slots may still join the run (<see cref="AddSlot"/>): the job is not finished just because every
    /// slot is retired, its frames stay queued for a newcomer. Setting it false wakes the waiters, so a job left
    /// without a slot then finishes.
    /// </summary>
    public bool SlotsMayJoin
    {
        get
        {
            lock (_lock)
            {
                return _slotsMayJoin;
            }
        }

        set
        {
            lock (_lock)
            {
                _slotsMayJoin = value;
                WakeAll();
            }
        }
    }

    /// <summary>A slot joins the running job (a cloud instance that booted later, say) and may take chunks from now on.</summary>
    /// <exception cref="InvalidOperationException">The job already has a slot with this id.</exception>
    public void AddSlot(string slotId)
    {
        ArgumentException.ThrowIfNullOrEmpty(slotId);
        lock (_lock)
        {
            if (!_slots.TryAdd(slotId, new SlotRecord(slotId)))
            {
                throw new InvalidOperationException($"The job already has a slot {slotId}.");
            }

            _activeSlots++;
        }
    }

    /// <summary>Gives the slot its next chunk (once its assignment is durable), or null when there is nothing queued right now.</summary>
    public Chunk? TryTakeChunk(string slot)
    {
        Chunk? chunk;
        Task durable;
        lock (_lock)
        {
            chunk = TakeChunkLocked(slot);
            durable = _durable;
        }

        if (chunk is not null)
        {
            durable.GetAwaiter().GetResult();
        }

        return chunk;
    }

    /// <summary>
    /// Waits until there is a chunk for the slot and returns it; returns null when the job has nothing left for this
    /// slot (every frame ended, or the slot is retired).
    /// </summary>
    public async Task<Chunk?> TakeChunkAsync(string slot, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource? woken = null;
            Task durable;
            Chunk? chunk;
            lock (_lock)
            {
                chunk = TakeChunkLocked(slot);
                durable = _durable;
                if (chunk is null)
                {
                    if (IsFinishedLocked() || _slots[slot].Retired)
                    {
                        return null;
                    }

                    // In the same lock: work that appears from now on wakes this slot.
                    woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    Idle(_slots[slot], woken);
                }
            }

            if (woken is null)
            {
                // The slot starts on its chunk only once the assignment is on the disk.
                await durable.ConfigureAwait(false);
                return chunk;
            }

            using (cancellationToken.Register(static w => ((TaskCompletionSource)w!).TrySetCanceled(), woken))
            {
                await woken.Task.ConfigureAwait(false);
            }
        }
    }

    /// <summary>The slot's Blender began rendering the frame.</summary>
    public bool FrameStarted(string slot, int frame)
    {
        lock (_lock)
        {
            if (IsCopy(slot, frame))
            {
                CopyStarted(slot, frame);
                return true;
            }

            if (!Holds(slot, frame, FrameState.Assigned))
            {
                return false;
            }

            Move(frame, FrameState.Rendering, slot);
            _slots[slot].RenderingFrame = frame;
            _slots[slot].RenderingSince = Seconds(_time.GetUtcNow());
            _slots[slot].Activity = (frame, 0, 0, $"rendering {frame}");
            _slots[slot].WasStuck = false;
            Progressed(slot);
            return true;
        }
    }

    /// <summary>Blender wrote the frame on the worker; it is now being brought over and verified.</summary>
    public bool FrameRendered(string slot, int frame, double renderSeconds)
    {
        lock (_lock)
        {
            if (IsCopy(slot, frame))
            {
                CopyRendered(slot, frame, renderSeconds);
            }
            else if (Holds(slot, frame, FrameState.Rendering))
            {
                Move(frame, FrameState.Transferring, slot, seconds: renderSeconds);
                StopCopy(frame, $"rendered first on {slot}");
            }
            else
            {
                return false;
            }

            _slots[slot].RenderingFrame = null;
            Measured(_slots[slot], frame, renderSeconds);
            _renderSecondsSum += renderSeconds;
            _renderedCount++;
            _slowestRenderSeconds = Math.Max(_slowestRenderSeconds, renderSeconds);
            Progressed(slot);
            _slots[slot].Activity = (null, 0, 0, $"verifying {frame}");
            return true;
        }
    }

    /// <summary>The frame's file is in the output folder and verified: the frame is done (returns once that is durable).</summary>
    public bool FrameCompleted(string slot, int frame, long bytes) =>
        FrameCompletedAsync(slot, frame, bytes).GetAwaiter().GetResult();

    /// <summary>The frame's file is in the output folder and verified: the frame is done once the task completes (durable).</summary>
    public async Task<bool> FrameCompletedAsync(string slot, int frame, long bytes)
    {
        Task durable;
        lock (_lock)
        {
            if (!CompleteLocked(slot, frame, bytes))
            {
                return false;
            }

            durable = _durable;
        }

        await durable.ConfigureAwait(false);
        return true;
    }

    private bool CompleteLocked(string slot, int frame, long bytes)
    {
        if (!Holds(slot, frame, FrameState.Transferring))
        {
            return false;
        }

        Move(frame, FrameState.Done, slot, bytes: bytes);
        _slots[slot].ConsecutiveFailures = 0;
        BlameSlotsThatFailed(frame, slot);
        _slots[slot].Activity = (null, 0, 0, "idle");
        _doneThisRun++;
        _firstDoneAt ??= _time.GetUtcNow();
        return true;
    }

    /// <summary>An attempt at the frame failed. Returns the frame's new state, or null if the slot did not hold it.</summary>
    public FrameState? FrameFailed(string slot, int frame, string reason)
    {
        lock (_lock)
        {
            return FailLocked(slot, frame, reason);
        }
    }

    /// <summary>
    /// The slot is gone (its Blender died, its host vanished): the frame it was working on counts a failed attempt,
    /// frames it had not started go back to the queue untouched.
    /// </summary>
    public void SlotLost(string slot, string reason)
    {
        lock (_lock)
        {
            DropCopyOf(slot);
            var attemptFailed = false;
            foreach (var frame in HeldBy(slot))
            {
                if (_state.Frame(frame).State == FrameState.Assigned)
                {
                    Move(frame, FrameState.Queued, slot, detail: "returned: " + reason);
                }
                else
                {
                    attemptFailed |= FailLocked(slot, frame, reason) is not null;
                }
            }

            if (!attemptFailed)
            {
                CountSlotFailure(slot, reason);
            }

            if (!_slots[slot].Retired)
            {
                _slots[slot].Activity = (null, 0, 0, "restarting");
            }
        }
    }

    /// <summary>The run is stopping (pause or cancel): every frame the slot holds goes back to the queue, no attempt counted.</summary>
    public void ReleaseAll(string slot, string reason)
    {
        lock (_lock)
        {
            DropCopyOf(slot);
            foreach (var frame in HeldBy(slot))
            {
                Move(frame, FrameState.Queued, slot, detail: reason);
            }

            _slots[slot].Activity = (null, 0, 0, "stopped");
        }
    }

    /// <summary>Takes the slot out of the job for the rest of this run.</summary>
    public void RetireSlot(string slot, string reason)
    {
        lock (_lock)
        {
            RetireLocked(slot, reason);
        }
    }

    public bool IsRetired(string slot)
    {
        lock (_lock)
        {
            return _slots[slot].Retired;
        }
    }

    private Chunk? TakeChunkLocked(string slot)
    {
        var record = _slots[slot];
        if (record.Retired || (!IsFinishedLocked() && GiveBackIfWithdrawn(record)))
        {
            return null;
        }

        if (_queue.Count == 0)
        {
            return TryCopyLocked(slot, record);
        }

        if (LeaveToFasterSlots(record, out var fasterIdle))
        {
            if (fasterIdle)
            {
                // The fastest idle slot takes it (it never leaves work to a slower one, so this does not bounce).
                WakeOne();
            }

            return null;
        }

        var frames = PickFrames(slot, record, ChunkSizeFor(record));
        if (frames.Count == 0)
        {
            // Every queued frame failed here and waits for a slot that has not tried it yet.
            return null;
        }

        foreach (var frame in frames)
        {
            Move(frame, FrameState.Assigned, slot);
        }

        _firstChunkAt ??= _time.GetUtcNow();
        ExpectBusy(record, frames);
        Progressed(slot);
        record.Activity = (frames[0], 0, 0, record.WasStuck ? $"starting {frames[0]} on a new Blender (the last one was stuck)" : $"starting {frames[0]}");
        return new Chunk(slot, frames);
    }

    private FrameState? FailLocked(string slot, int frame, string reason)
    {
        if (IsCopy(slot, frame))
        {
            // A copy failed: the frame is still with its own slot, and no attempt is counted.
            DropCopy(frame);
            return _state.Frame(frame).State;
        }

        var info = _state.Frame(frame);
        if (info.Slot != slot || !FrameTransitions.InFlight.Contains(info.State))
        {
            return null;
        }

        if (info.State == FrameState.Assigned)
        {
            // It never started: the failure belongs to the slot, not to the frame.
            Move(frame, FrameState.Queued, slot, detail: reason);
            CountSlotFailure(slot, reason);
            return FrameState.Queued;
        }

        // The frame's fault until it renders elsewhere (then the slot is blamed, see BlameSlotsThatFailed).
        var failures = info.FailedAttempts + 1;
        var to = RecordFrameFailure(frame, slot, reason, failures - _failuresBeforeRun.GetValueOrDefault(frame));
        Move(frame, to, slot, detail: reason, failedAttempts: failures);
        return to;
    }

    private void CountSlotFailure(string slot, string reason)
    {
        var record = _slots[slot];
        record.ConsecutiveFailures++;
        if (record.ConsecutiveFailures >= _options.SlotFailureLimit)
        {
            RetireLocked(slot, $"{record.ConsecutiveFailures} failures in a row; last: {reason}");
        }
    }

    private void RetireLocked(string slot, string reason)
    {
        var record = _slots[slot];
        if (record.Retired)
        {
            return;
        }

        AppendAndApply(new SlotRetired(slot, reason, _time.GetUtcNow()));
        DropCopyOf(slot);
        record.Retired = true;
        _activeSlots--;
        record.Activity = (null, 0, 0, "retired: " + reason);
        foreach (var frame in HeldBy(slot).Where(f => _state.Frame(f).State == FrameState.Assigned))
        {
            Move(frame, FrameState.Queued, slot, detail: "returned: slot retired");
        }

        // Frames that waited for a slot that had not failed them may now go to any slot; the job may have ended.
        WakeAll();
    }

    private bool Holds(string slot, int frame, FrameState state)
    {
        var info = _state.Frame(frame);
        return info.Slot == slot && info.State == state;
    }

    private List<int> HeldBy(string slot) =>
        _slots.TryGetValue(slot, out var record) ? [.. record.Held.Order()] : [];

    private bool IsFinishedLocked() =>
        (_queue.Count == 0 && _inFlightCount == 0) || (!_slotsMayJoin && _activeSlots == 0);

    private void Move(int frame, FrameState to, string? slot, string? detail = null, double? seconds = null, long? bytes = null, int? failedAttempts = null)
    {
        var info = _state.Frame(frame);
        if (!FrameTransitions.IsAllowed(info.State, to))
        {
            throw new InvalidOperationException($"Frame {frame} cannot go from {info.State} to {to}.");
        }

        var failures = failedAttempts ?? (info.State == FrameState.Failed ? 0 : info.FailedAttempts);
        var change = new FrameChanged(frame, info.State, to, _time.GetUtcNow(), slot, failures, detail, seconds, bytes);
        AppendAndApply(change);
        Count(info.State, -1);
        Count(to, +1);
        if (info.Slot is { } from && FrameTransitions.InFlight.Contains(info.State) && _slots.TryGetValue(from, out var holder))
        {
            holder.Held.Remove(frame);
        }

        if (slot is not null && FrameTransitions.InFlight.Contains(to))
        {
            _slots[slot].Held.Add(frame);
        }

        if (to == FrameState.Queued)
        {
            _queue.Add(frame);
        }
        else if (info.State == FrameState.Queued)
        {
            _queue.Remove(frame);
        }

        FrameChanged?.Invoke(change);
        if (IsFinishedLocked())
        {
            WakeAll();
        }
        else if (to == FrameState.Queued)
        {
            // Work appeared: one idle slot takes it, or every one when the frame may not go to just any slot.
            if (_failedOn.ContainsKey(frame))
            {
                WakeAll();
            }
            else
            {
                WakeOne();
            }
        }

        if (_copies.Count > 0)
        {
            if (to == FrameState.Queued)
            {
                PromoteCopy(frame);
            }
            else if (!FrameTransitions.InFlight.Contains(to))
            {
                StopCopy(frame, "the frame ended");
            }
        }
    }

    private sealed class SlotRecord(string id)
    {
        public string Id { get; } = id;

        public bool Retired { get; set; }

        public int ConsecutiveFailures { get; set; }

        /// <summary>When the slot last showed progress: took a chunk, began a frame, reached a sample, wrote a frame.</summary>
        public DateTimeOffset LastProgressAt { get; set; }

        /// <summary>The watchdog stopped the slot's Blender and it has not begun a frame since.</summary>
        public bool WasStuck { get; set; }

        /// <summary>Frames this slot rendered in this run, and their render seconds in all.</summary>
        public int Measured { get; set; }

        public double MeasuredSeconds { get; set; }

        /// <summary>Seconds into the run when the slot is expected to be through its chunk.</summary>
        public double BusyUntil { get; set; }

        /// <summary>The frames the slot holds (assigned, rendering or transferring).</summary>
        public HashSet<int> Held { get; } = [];

        /// <summary>The frame the slot is rendering (its own or a copy), and since when (seconds into the run).</summary>
        public int? RenderingFrame { get; set; }

        public double RenderingSince { get; set; }

        /// <summary>The frame of which the slot renders a copy (see JobScheduler.Copies).</summary>
        public int? CopyOf { get; set; }

        public (int? Frame, int Sample, int Samples, string Doing) Activity { get; set; } = (null, 0, 0, "starting");
    }
}
