using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// A slot on a spot instance: an SSH slot that also stops, and gives its frames back, the moment its instance leaves
/// the job (interruption notice, idle, budget). It remembers when it last worked, for idle teardown.
/// </summary>
public sealed class InstanceSlot(IWorkerSlot inner, FleetInstance instance, TimeProvider time) : IWorkerSlot
{
    private int _busy;
    private int _fetching;
    private CancellationTokenSource? _stopAfterFetch;

    public string Id => inner.Id;

    public FleetInstance Instance => instance;

    /// <summary>True while a finished frame is being brought over from the instance.</summary>
    public bool IsFetching => Volatile.Read(ref _fetching) > 0;

    /// <summary>When the slot last finished work (or joined); null while it works.</summary>
    public DateTimeOffset? IdleSince { get; private set; } = time.GetUtcNow();

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

    /// <summary>Fetching still works after an interruption notice: the instance has two minutes, and its frame is done.</summary>
    public async Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        Began();
        Interlocked.Increment(ref _fetching);
        try
        {
            await inner.FetchAsync(workerPath, localPath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Decrement(ref _fetching) == 0 && Interlocked.Exchange(ref _stopAfterFetch, null) is { } stop)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            Ended();
        }
    }

    private void StopWhenNotFetching(CancellationTokenSource render)
    {
        Volatile.Write(ref _stopAfterFetch, render);
        if (Volatile.Read(ref _fetching) == 0 && Interlocked.Exchange(ref _stopAfterFetch, null) is { } stop)
        {
            stop.Cancel();
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

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
        IdleSince = null;
    }

    private void Ended()
    {
        if (Interlocked.Decrement(ref _busy) == 0)
        {
            IdleSince = time.GetUtcNow();
        }
    }
}
