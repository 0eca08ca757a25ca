namespace BlenderFarm.Domain.Ports;

/// <summary>
/// One place that renders one frame at a time: a Blender process on this machine, on an SSH host's GPU, on a cloud instance.
/// </summary>
public interface IWorkerSlot : IAsyncDisposable
{
    /// <summary>Stable name shown to the user and written to the journal, e.g. <c>local-1</c>.</summary>
    string Id { get; }

    /// <summary>
    /// Renders the frames in order, reporting each as it goes. Throws <see cref="SlotLostException"/> when the slot's
    /// Blender or host is gone; the next call starts it again. Stopping the enumeration early stops the rendering.
    /// </summary>
    IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, CancellationToken cancellationToken);

    /// <summary>Brings a file the slot reported (<see cref="FrameWritten.WorkerPath"/>) to a path on this machine.</summary>
    Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken);

    /// <summary>
    /// Removes a file the slot reported that will never be fetched (a copy of a frame another slot rendered first), so
    /// it is not left where the slot writes. A file already gone is not an error.
    /// </summary>
    Task DiscardAsync(string workerPath, CancellationToken cancellationToken);
}
