namespace BlenderFarm.Application.Queue;

/// <summary>
/// A job in the farm's queue as it is kept across restarts: higher <see cref="Priority"/> first, then lower
/// <see cref="Order"/> (submit order). <see cref="Paused"/>: the user paused it; it keeps its place but gets no slot.
/// </summary>
public sealed record QueuedJob(string JobId, int Priority, long Order, bool Paused);

/// <summary>Where a job stands in the queue, for <c>blenderfarm queue</c> and the add-on's queue panel.</summary>
public enum QueuePlace
{
    /// <summary>Waiting for a slot.</summary>
    Waiting = 0,

    /// <summary>It holds slots and renders.</summary>
    Rendering = 1,

    /// <summary>The user paused it.</summary>
    Paused = 2,
}

/// <summary>One line of the queue, in the order the farm serves it.</summary>
public sealed record QueueEntry(string JobId, int Priority, QueuePlace Place, int Slots);
