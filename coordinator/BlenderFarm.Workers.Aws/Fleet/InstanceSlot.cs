using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// A slot on a spot instance: an SSH slot that also stops, and gives its frames back, the moment its instance leaves
/// the job (interruption notice, idle, budget). It remembers when it last worked, for idle teardown, and which frames
/// the scheduler has handed it: a chunk taken but not started yet is work, not idleness. With <paramref name="frames"/>
/// its finished frames come back through S3 (<see cref="FrameReturn"/>) rather than over SFTP.
/// </summary>
public sealed class InstanceSlot(IWorkerSlot inner, FleetInstance instance, TimeProvider time, FrameReturn? frames = null) : IWorkerSlot
{
    private readonly HashSet<int> _held = [];
    private readonly ConcurrentDictionary<string, FrameWritten> _written = new(StringComparer.Ordinal);
    private int _busy;
    private DateTimeOffset? _idleSince = time.GetUtcNow();
    private int _fetching;
    private CancellationTokenSource? _stopAfterFetch;

    public string Id => inner.Id;

    public FleetInstance Instance => instance;

    /// <summary>True while a finished frame is being brought over from the instance.</summary>
    public bool IsFetching => Volatile.Read(ref _fetching) > 0;

    /// <summary>When the slot last finished work (or joined); null while it works or holds frames the scheduler gave it.</summary>
    public DateTimeOffset? IdleSince
    {
        get
        {
            lock (_held)
            {
                return _held.Count > 0 ? null : _idleSince;
            }
        }
    }

    /// <summary>
    /// Follows the scheduler's frame changes: a frame assigned to this slot, rendering or being brought over from it is
    /// held; any other change lets it go. Between the scheduler handing a chunk and the render starting the slot is
    /// not idle, or the fleet could end the instance that holds the job's last frames.
    /// </summary>
    public void Observe(FrameChanged change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var holds = change.To is FrameState.Assigned or FrameState.Rendering or FrameState.Transferring
                    && string.Equals(change.Slot, Id, StringComparison.Ordinal);
        lock (_held)
        {
            if (holds)
            {
                _held.Add(change.Frame);
            }
            else if (_held.Remove(change.Frame) && _held.Count == 0 && Volatile.Read(ref _busy) == 0)
            {
                _idleSince = time.GetUtcNow();
            }
        }
    }

    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfWithdrawn();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A notice stops the rendering, but not a frame being fetched: that frame is finished, and the instance has
        // two minutes. Stopping the render closes the slot's connection, so it waits for the fetch to end.
        using var onWithdrawn = instance.Withdrawn.Register(() => StopWhenNotFetching(linked));
        Began();
        try
        {
            var events = inner.RenderAsync(frames, linked.Token).GetAsyncEnumerator(linked.Token);
            await using (events.ConfigureAwait(false))
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (Exception e) when (instance.Withdrawn.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                                              && e is OperationCanceledException or SlotLostException)
                    {
                        throw Withdrawn(e);
                    }

                    if (frames is not null && events.Current is FrameWritten written)
                    {
                        _written[written.WorkerPath] = written;
                    }

                    yield return events.Current;
                }
            }
        }
        finally
        {
            Interlocked.CompareExchange(ref _stopAfterFetch, null, linked); // never cancel this render's source once it is gone
            Ended();
        }
    }

    /// <summary>
    /// Fetching still works after an interruption notice: the instance has two minutes, and its frame is done. Through
    /// S3 the instance is needed only until its upload lands; the download from the bucket does not hold it.
    /// </summary>
    public async Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        Began();
        Interlocked.Increment(ref _fetching);
        FrameInS3? sent = null;
        try
        {
            if (frames is not null && _written.TryRemove(workerPath, out var written))
            {
                sent = await frames.SendAsync(written, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await inner.FetchAsync(workerPath, localPath, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _fetching) == 0 && Interlocked.Exchange(ref _stopAfterFetch, null) is { } stop)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            Ended();
        }

        if (sent is not null)
        {
            await frames!.ReceiveAsync(sent, localPath, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task DiscardAsync(string workerPath, CancellationToken cancellationToken)
    {
        _written.TryRemove(workerPath, out _);
        return inner.DiscardAsync(workerPath, cancellationToken);
    }

    private void StopWhenNotFetching(CancellationTokenSource render)
    {
        Volatile.Write(ref _stopAfterFetch, render);
        if (Volatile.Read(ref _fetching) == 0 && Interlocked.Exchange(ref _stopAfterFetch, null) is { } stop)
        {
            stop.Cancel();
        }
    }

    public ValueTask DisposeAsync()
    {
        frames?.Dispose();
        return inner.DisposeAsync();
    }

    private void ThrowIfWithdrawn()
    {
        if (instance.Withdrawn.IsCancellationRequested)
        {
            throw Withdrawn(null);
        }
    }

    private SlotWithdrawnException Withdrawn(Exception? inner) =>
        new($"instance {instance.Id} left the job: {instance.WithdrawReason}", inner ?? new OperationCanceledException());

    private void Began()
    {
        Interlocked.Increment(ref _busy);
        lock (_held)
        {
            _idleSince = null;
        }
    }

    private void Ended()
    {
        if (Interlocked.Decrement(ref _busy) == 0)
        {
            lock (_held)
            {
                _idleSince = time.GetUtcNow();
            }
        }
    }
}
