using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Domain.Tests.Fakes;

/// <summary>
/// A slot that "renders" by writing a small marker file into its own folder, reporting each frame as Blender would,
/// and doing to frames what the shared <see cref="RenderScript"/> says.
/// </summary>
internal sealed class FakeWorkerSlot(string id, string workerFolder, RenderScript script) : IWorkerSlot
{
    private readonly ConcurrentDictionary<string, int> _written = new();
    private int _chunks;

    public string Id => id;

    /// <summary>How many chunks this slot was given.</summary>
    public int Chunks => Volatile.Read(ref _chunks);

    public bool IsDisposed { get; private set; }

    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _chunks);
        var folder = Path.Combine(workerFolder, id);
        Directory.CreateDirectory(folder);
        foreach (var order in frames)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            if (script.TakeUnreported(order.Frame))
            {
                continue;
            }

            yield return new FrameBegan(order.Frame);
            if (script.TakeCrash(order.Frame) is { } crash)
            {
                throw crash;
            }

            if (script.TakeLoss(order.Frame) is { } reason)
            {
                throw new SlotLostException(reason);
            }

            await script.HoldIfAskedAsync(order.Frame, cancellationToken);
            yield return new FrameSample(order.Frame, 1, 2);
            if (script.TakeError(order.Frame) is { } error)
            {
                yield return new FrameError(order.Frame, error);
                continue;
            }

            var path = Path.Combine(folder, order.FileName);
            var content = script.TakeCorrupt(order.Frame) ? "BFTEST half a PNG" : RenderScript.Marker(order.Frame);
            await File.WriteAllTextAsync(path, content, CancellationToken.None);
            _written[path] = order.Frame;
            yield return new FrameSample(order.Frame, 2, 2);
            yield return new FrameWritten(order.Frame, path, 1.5);
        }
    }

    public async Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        if (script.TakeFetchFailure(_written[workerPath]) is { } failure)
        {
            throw failure;
        }

        File.Copy(workerPath, localPath, overwrite: true);
    }

    public Task DiscardAsync(string workerPath, CancellationToken cancellationToken)
    {
        File.Delete(workerPath);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        IsDisposed = true;
        return ValueTask.CompletedTask;
    }
}
