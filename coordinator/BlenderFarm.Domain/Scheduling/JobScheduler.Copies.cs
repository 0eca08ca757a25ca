using System.Globalization;
using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// Copies of stragglers (with <c>--chunk auto</c>, like the other tail rules): when the queue is empty and a slot is idle, it gets a copy of the frame that another slot is
/// rendering and that is expected to finish last, if the copy is expected to finish first by a margin
/// (<see cref="SchedulerOptions.CopySaving"/>). The copy is not journaled: the frame stays with its slot until one of
/// the two writes it. The first copy rendered goes on to be verified (the frame moves to that slot, and the record
/// says the other copy was not needed); the other is stopped (<see cref="CopyNotNeeded"/>) and its output discarded.
/// If the original's slot lets go of the frame (it failed, was lost or stopped) the copy carries on as the frame's.
/// </summary>
public sealed partial class JobScheduler
{
    /// <summary>Frames rendered twice: the frame, and the slot with the copy.</summary>
    private readonly Dictionary<int, CopyRecord> _copies = [];

    /// <summary>
    /// A slot's work on a frame is not needed any more (another slot rendered it first): stop the slot's chunk if it
    /// still holds that frame. Raised inside the lock: handlers must only start the stop, never wait for it.
    /// </summary>
    public event Action<string, int>? CopyNotNeeded;

    /// <summary>How many copies were handed out.</summary>
    internal int CopiesStarted { get; private set; }

    private Chunk? TryCopyLocked(string slot, SlotRecord me)
    {
        if (_options.CopySaving is not { } saving || !_state.Spec.Chunk.IsAuto || me.Retired || me.Held.Count > 0 || me.CopyOf is not null
            || FrameSecondsOn(me) is not { } mine)
        {
            return null;
        }

        // The frame expected to finish last among those being rendered (linear in slots: only when the queue is empty).
        var now = Seconds(_time.GetUtcNow());
        int? latest = null;
        var latestRemaining = 0.0;
        foreach (var other in _slots.Values)
        {
            if (other.Retired || other.RenderingFrame is not { } frame || _copies.ContainsKey(frame)
                || !Holds(other.Id, frame, FrameState.Rendering) || FrameSecondsOn(other) is not { } theirs)
            {
                continue;
            }

            var remaining = ExpectedRemaining(theirs * ExpectedRelativeCost(frame), now - other.RenderingSince);
            if (latest is null || remaining > latestRemaining)
            {
                (latest, latestRemaining) = (frame, remaining);
            }
        }

        if (latest is not { } chosen || !MayTake(slot, chosen))
        {
            return null;
        }

        var copySeconds = mine * ExpectedRelativeCost(chosen);
        if (latestRemaining - copySeconds < saving * latestRemaining)
        {
            return null;
        }

        _copies[chosen] = new CopyRecord(slot);
        me.CopyOf = chosen;
        me.BusyUntil = now + copySeconds;
        CopiesStarted++;
        Progressed(slot);
        var holder = _state.Frame(chosen).Slot;
        me.Activity = (chosen, 0, 0, string.Create(CultureInfo.InvariantCulture, $"starting a copy of {chosen} (slow on {holder})"));
        return new Chunk(slot, [chosen]);
    }

    /// <summary>
    /// What is left of a frame expected to take <paramref name="expected"/> seconds after <paramref name="elapsed"/>:
    /// the rest of the expectation, and once past it (an outlier), at least half as long again as it ran so far.
    /// </summary>
    private static double ExpectedRemaining(double expected, double elapsed) => Math.Max(expected - elapsed, elapsed / 2);

    private bool IsCopy(string slot, int frame) => _copies.TryGetValue(frame, out var copy) && copy.Slot == slot;

    /// <summary>The slot's copy of the frame began rendering.</summary>
    private void CopyStarted(string slot, int frame)
    {
        var record = _slots[slot];
        record.RenderingFrame = frame;
        record.RenderingSince = Seconds(_time.GetUtcNow());
        record.Activity = (frame, 0, 0, $"rendering a copy of {frame}");
        Progressed(slot);
    }

    /// <summary>The copy was rendered first: the frame moves to its slot and the original is stopped.</summary>
    private void CopyRendered(string slot, int frame, double renderSeconds)
    {
        var original = _state.Frame(frame).Slot!;
        DropCopy(frame);
        Move(frame, FrameState.Transferring, slot, seconds: renderSeconds,
            detail: $"a copy rendered first here; the copy on {original} was not needed and is stopped");
        _slots[original].RenderingFrame = null;
        _slots[original].Activity = (null, 0, 0, $"stopping frame {frame}: rendered first on {slot}");
        CopyNotNeeded?.Invoke(original, frame);
    }

    /// <summary>The original was rendered first (or ended): the copy is stopped.</summary>
    private void StopCopy(int frame, string why)
    {
        if (_copies.Count == 0 || !_copies.TryGetValue(frame, out var copy))
        {
            return;
        }

        DropCopy(frame);
        _slots[copy.Slot].Activity = (null, 0, 0, $"stopping the copy of {frame}: {why}");
        CopyNotNeeded?.Invoke(copy.Slot, frame);
    }

    /// <summary>
    /// The frame's slot let go of it (the frame went back to the queue): its copy, if any, carries on as the frame's,
    /// journaled as taken (and begun, if it had begun).
    /// </summary>
    private void PromoteCopy(int frame)
    {
        if (_copies.Count == 0 || !_copies.TryGetValue(frame, out var copy) || _state.Frame(frame).State != FrameState.Queued)
        {
            return;
        }

        var started = _slots[copy.Slot].RenderingFrame == frame;
        DropCopy(frame);
        Move(frame, FrameState.Assigned, copy.Slot, detail: "its copy carries on");
        if (started)
        {
            Move(frame, FrameState.Rendering, copy.Slot);
            _slots[copy.Slot].RenderingFrame = frame;
        }
    }

    /// <summary>The slot's copy, if any, ends (it failed, or the slot stopped): the frame stays with its own slot.</summary>
    private void DropCopyOf(string slot)
    {
        if (_slots[slot].CopyOf is { } frame)
        {
            DropCopy(frame);
        }
    }

    private void DropCopy(int frame)
    {
        if (_copies.Remove(frame, out var copy))
        {
            var record = _slots[copy.Slot];
            record.CopyOf = null;
            if (record.RenderingFrame == frame)
            {
                record.RenderingFrame = null;
            }
        }
    }

    private sealed record CopyRecord(string Slot);
}
