using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// Cost-aware scheduling with <c>--chunk auto</c>: each slot's frame time is learned from its own frames, a frame's
/// expected cost from its measured neighbours (frame times in an animation are correlated), chunks are sized so they
/// last about the target on every slot, and at the tail a slow slot leaves the last frames to faster slots that would
/// finish them sooner, while the fastest slots take the frames expected to be slowest.
/// </summary>
public sealed partial class JobScheduler
{
    /// <summary>Each measured frame's cost relative to the mean frame time of the slot that rendered it.</summary>
    private const int NeighbourReach = 8;

    private readonly Dictionary<int, double> _relativeCost = [];

    private double? FleetFrameSeconds => _renderedCount > 0 ? _renderSecondsSum / _renderedCount : null;

    /// <summary>The seconds a frame of average cost takes on the slot: its own measured mean, else the fleet's.</summary>
    private double? FrameSecondsOn(SlotRecord record) =>
        record.Measured > 0 ? record.MeasuredSeconds / record.Measured : FleetFrameSeconds;

    private void Measured(SlotRecord record, int frame, double renderSeconds)
    {
        var before = FrameSecondsOn(record);
        record.MeasuredSeconds += renderSeconds;
        record.Measured++;
        if (before is > 0 && renderSeconds > 0)
        {
            _relativeCost[frame] = renderSeconds / before.Value;
        }
    }

    /// <summary>
    /// A frame's expected cost relative to an average frame: the mean of the nearest measured frame on each side
    /// (within <see cref="NeighbourReach"/> frames), else 1. Constant time.
    /// </summary>
    private double ExpectedRelativeCost(int frame)
    {
        if (_relativeCost.Count == 0)
        {
            return 1;
        }

        var sum = 0.0;
        var count = 0;
        foreach (var direction in (ReadOnlySpan<int>)[-1, 1])
        {
            for (var distance = 1; distance <= NeighbourReach; distance++)
            {
                if (_relativeCost.TryGetValue(frame + (direction * distance), out var cost))
                {
                    sum += cost;
                    count++;
                    break;
                }
            }
        }

        return count == 0 ? 1 : sum / count;
    }

    /// <summary>How many frames the slot's next chunk takes: about the target duration on this slot.</summary>
    private int ChunkSizeFor(SlotRecord record) =>
        ChunkPlanner.NextChunkSize(_state.Spec.Chunk, _queue.Count, _activeSlots, FrameSecondsOn(record), FleetFrameSeconds, _options.TargetChunkDuration);

    /// <summary>
    /// At the tail (no more queued frames than active slots): whether faster slots, free or expected free soon
    /// enough, would between them finish every queued frame before this slot could finish one.
    /// Slots whose chunk is overdue are not counted on (their frame may be an outlier). Linear in slots, at the tail only.
    /// </summary>
    /// <param name="fasterIdle">One of those faster slots holds nothing: it may be asleep, and should be woken.</param>
    private bool LeaveToFasterSlots(SlotRecord me, out bool fasterIdle)
    {
        fasterIdle = false;
        if (!_state.Spec.Chunk.IsAuto || _queue.Count > _activeSlots || me.Measured == 0)
        {
            return false;
        }

        var now = Seconds(_time.GetUtcNow());
        var mine = me.MeasuredSeconds / me.Measured;
        var sooner = 0;
        foreach (var other in _slots.Values)
        {
            if (ReferenceEquals(other, me) || other.Retired || other.Measured == 0)
            {
                continue;
            }

            var theirs = other.MeasuredSeconds / other.Measured;
            var idle = other.Held.Count == 0 && other.CopyOf is null;
            var freeAt = idle ? now : other.BusyUntil;
            if (theirs < mine && freeAt >= now && freeAt + theirs < now + mine)
            {
                // Frames that slot would finish, one after another, before this one finished its first.
                fasterIdle |= idle;
                sooner += (int)Math.Floor((now + mine - freeAt) / theirs);
                if (sooner >= _queue.Count)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The frames of the slot's next chunk, in order: from the start of the queue; at the tail, a single frame chosen
    /// by expected cost: the slowest expected for a slot faster than the fleet's mean, the quickest for a slower one.
    /// </summary>
    private List<int> PickFrames(string slot, SlotRecord record, int size)
    {
        if (size != 1 || !_state.Spec.Chunk.IsAuto || _queue.Count > _activeSlots || FleetFrameSeconds is not { } fleet
            || FrameSecondsOn(record) is not { } mine)
        {
            return [.. _queue.Where(f => MayTake(slot, f)).Take(size)];
        }

        var fast = mine <= fleet;
        int? best = null;
        var bestCost = 0.0;
        foreach (var frame in _queue)
        {
            if (!MayTake(slot, frame))
            {
                continue;
            }

            var cost = ExpectedRelativeCost(frame);
            if (best is null || (fast ? cost > bestCost : cost < bestCost))
            {
                (best, bestCost) = (frame, cost);
            }
        }

        return best is { } chosen ? [chosen] : [];
    }

    /// <summary>When the slot is expected to be through the chunk it just took.</summary>
    private void ExpectBusy(SlotRecord record, IReadOnlyList<int> frames)
    {
        var seconds = FrameSecondsOn(record) ?? 0;
        var total = 0.0;
        foreach (var frame in frames)
        {
            total += seconds * ExpectedRelativeCost(frame);
        }

        record.BusyUntil = Seconds(_time.GetUtcNow()) + total;
    }

    private double Seconds(DateTimeOffset at) => (at - RunStartedAt).TotalSeconds;
}
