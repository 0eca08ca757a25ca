using System.Globalization;
using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>A slot that holds a frame it is not moving: which slot, which frame, and the sentence that says so.</summary>
public sealed record StuckSlot(string Slot, int Frame, string Reason);

/// <summary>
/// The frame watchdog's half in the scheduler: when each slot last showed progress, the silence the job allows (learned
/// from its own frames), and what happens to a stuck slot's frames.
/// </summary>
public sealed partial class JobScheduler
{
    private double _slowestRenderSeconds;

    /// <summary>The clock the scheduler runs on, for the runner's watchdog.</summary>
    internal TimeProvider Time => _time;

    internal TimeSpan WatchdogInterval => _options.WatchdogInterval;

    /// <summary>
    /// The silence allowed before a frame counts as stuck: <see cref="SchedulerOptions.StuckFactor"/> times the slowest
    /// frame measured in this run, at least <see cref="SchedulerOptions.StuckFloor"/>; before any frame was measured,
    /// <see cref="SchedulerOptions.FirstFrameStuckLimit"/>.
    /// </summary>
    public TimeSpan StuckLimit
    {
        get
        {
            lock (_lock)
            {
                return StuckLimitLocked();
            }
        }
    }

    /// <summary>
    /// Slots that hold a frame not yet rendered (assigned or rendering) and have shown no progress for longer than
    /// <see cref="StuckLimit"/>. A slot bringing a frame over is not judged here: each transfer has its own deadline.
    /// </summary>
    public IReadOnlyList<StuckSlot> FindStuck()
    {
        lock (_lock)
        {
            // A slot that left the last frames to a faster one looks again: that one may be late (an outlier frame).
            // With nothing queued, the fastest idle slot looks for a straggler worth a copy.
            if (_queue.Count > 0 || (_options.CopySaving is not null && _state.Spec.Chunk.IsAuto && _inFlightCount > 0))
            {
                WakeOne();
            }

            var now = _time.GetUtcNow();
            var limit = StuckLimitLocked();
            var stuck = new List<StuckSlot>();
            foreach (var record in _slots.Values)
            {
                // The cheap tests first: a thousand slots are looked at every few seconds.
                if (record.Retired || record.Held.Count == 0 || now - record.LastProgressAt <= limit)
                {
                    continue;
                }

                var held = HeldBy(record.Id).Select(_state.Frame).ToList();
                if (held.Any(f => f.State == FrameState.Transferring))
                {
                    continue;
                }

                var frame = held.FirstOrDefault(f => f.State == FrameState.Rendering) ?? held[0];
                stuck.Add(new StuckSlot(record.Id, frame.Frame, string.Create(CultureInfo.InvariantCulture,
                    $"stuck: no progress on frame {frame.Frame} for {Describe(now - record.LastProgressAt)} (limit {Describe(limit)}); its Blender was stopped")));
            }

            return stuck;
        }
    }

    /// <summary>
    /// The watchdog stopped the slot's Blender: the frame it was rendering counts a failed attempt, frames it had not
    /// started go back to the queue, and the slot shows that it was stuck until it takes work again.
    /// </summary>
    public void SlotStuck(string slot, string reason)
    {
        lock (_lock)
        {
            DropCopyOf(slot);
            var started = false;
            foreach (var frame in HeldBy(slot))
            {
                if (_state.Frame(frame).State == FrameState.Assigned)
                {
                    Move(frame, FrameState.Queued, slot, detail: "returned: " + reason);
                }
                else
                {
                    started |= FailLocked(slot, frame, reason) is not null;
                }
            }

            if (!started)
            {
                // It hung before it began a frame (loading the scene, say): that is the slot's, not a frame's.
                CountSlotFailure(slot, reason);
            }

            if (!_slots[slot].Retired)
            {
                _slots[slot].Activity = (null, 0, 0, reason);
                _slots[slot].WasStuck = true;
            }
        }
    }

    private void Progressed(string slot) => _slots[slot].LastProgressAt = _time.GetUtcNow();

    private TimeSpan StuckLimitLocked()
    {
        if (_renderedCount == 0)
        {
            return _options.FirstFrameStuckLimit;
        }

        var learned = TimeSpan.FromSeconds(_slowestRenderSeconds * _options.StuckFactor);
        return learned > _options.StuckFloor ? learned : _options.StuckFloor;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");
}
