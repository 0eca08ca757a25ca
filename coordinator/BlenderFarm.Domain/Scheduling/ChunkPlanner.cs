using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>How many frames the next chunk takes. Pure: the same inputs give the same size.</summary>
public static class ChunkPlanner
{
    /// <param name="policy">A fixed size, or auto.</param>
    /// <param name="queuedFrames">Frames still waiting for a slot.</param>
    /// <param name="activeSlots">Slots still taking work.</param>
    /// <param name="meanFrameSeconds">Mean measured render time of a frame in this run; null before the first.</param>
    /// <param name="target">With auto, the render time a chunk aims for.</param>
    public static int NextChunkSize(ChunkPolicy policy, int queuedFrames, int activeSlots, double? meanFrameSeconds, TimeSpan target) =>
        NextChunkSize(policy, queuedFrames, activeSlots, meanFrameSeconds, meanFrameSeconds, target);

    /// <summary>
    /// The chunk for one slot of a mixed fleet: sized from that slot's own frame time, so a chunk lasts about the target
    /// on a slow slot and on a fast one alike, and the tail cap is that slot's share of the queue by its speed.
    /// </summary>
    /// <param name="slotFrameSeconds">Mean measured render time of a frame on this slot (or the fleet's, before it has one).</param>
    /// <param name="fleetFrameSeconds">Mean measured render time of a frame over all slots.</param>
    public static int NextChunkSize(ChunkPolicy policy, int queuedFrames, int activeSlots, double? slotFrameSeconds, double? fleetFrameSeconds, TimeSpan target)
    {
        var meanFrameSeconds = slotFrameSeconds;
        ArgumentNullException.ThrowIfNull(policy);
        if (queuedFrames <= 0)
        {
            return 0;
        }

        if (!policy.IsAuto)
        {
            return Math.Min(policy.FixedSize, queuedFrames);
        }

        // Until a frame time is known, take one frame at a time so the first measurements come quickly.
        if (meanFrameSeconds is not > 0)
        {
            return 1;
        }

        var byTime = (int)Math.Floor(target.TotalSeconds / meanFrameSeconds.Value);

        // Keep the tail short: never take more than half of a fair share of what is left,
        // so the last chunks shrink and every slot finishes at about the same time.
        var speed = fleetFrameSeconds is > 0 ? fleetFrameSeconds.Value / meanFrameSeconds.Value : 1;
        var fairShare = (int)Math.Min(int.MaxValue, Math.Ceiling(queuedFrames * speed / (2.0 * Math.Max(1, activeSlots))));
        return Math.Clamp(byTime, 1, Math.Max(1, fairShare));
    }
}
