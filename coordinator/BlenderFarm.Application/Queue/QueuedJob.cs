namespace BlenderFarm.Application.Queue;

/// <summary>
/// A job in the farm's queue as it is kept across restarts: higher <see cref="Priority"/> first, then lower
/// <see cref="Order"/> (submit order). <see cref="Paused"/>: the user paused it; it keeps its place but gets no slot.
/// <see cref="Failure"/>: why its run could not start (it stays in the queue, with no slot, until resumed or cancelled).
/// </summary>
public sealed record QueuedJob(string JobId, int Priority, long Order, bool Paused, string? Failure = null);

/// <summary>Where a job stands in the queue, for <c>blenderfarm queue</c> and the add-on's queue panel.</summary>
public enum QueuePlace
{
    /// <summary>Waiting for a slot.</summary>
    Waiting = 0,

    /// <summary>It holds slots and renders.</summary>
    Rendering = 1,

    /// <summary>The user paused it.</summary>
    Paused = 2,

    /// <summary>Its run could not start; <see cref="QueueEntry.Reason"/> says why. Resume or cancel it.</summary>
    Failed = 3,
}

/// <summary>One line of the queue, in the order the farm serves it; <see cref="Reason"/>: why it failed to start.</summary>
public sealed record QueueEntry(string JobId, int Priority, QueuePlace Place, int Slots, string? Reason = null);
