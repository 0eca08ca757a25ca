using System.Globalization;
using System.Threading.Channels;
using BlenderFarm.Application.Queue;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>
/// A queued job's slots on places lent from the farm's pool: each loan becomes a slot (<c>local-N</c>, N the place)
/// that joins the run. A recalled loan's slot leaves the run when it next asks for work (at once if it waits idle),
/// then it is stopped and the place returned. Disposing it stops every slot and returns every loan.
/// </summary>
internal sealed class PooledSlots : IAsyncDisposable
{
    private readonly Channel<IWorkerSlot> _joining = Channel.CreateUnbounded<IWorkerSlot>();
    private readonly List<LoanedSlot> _made = [];
    private readonly Dictionary<string, int> _names = new(StringComparer.Ordinal);
    private readonly ChannelReader<SlotLoan> _loans;
    private readonly Func<string, IWorkerSlot> _create;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<JobScheduler> _scheduler = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> _withdrawals = [];
    private readonly Task _pump;

    /// <param name="create">Makes the job's slot with the given id on this machine.</param>
    public PooledSlots(ChannelReader<SlotLoan> loans, Func<string, IWorkerSlot> create)
    {
        _loans = loans;
        _create = create;
        _pump = PumpAsync();
    }

    /// <summary>The slots as their loans arrive; never completed while the run may get more.</summary>
    public ChannelReader<IWorkerSlot> Joining => _joining.Reader;

    /// <summary>The run's scheduler, once it exists: recalled places are withdrawn through it.</summary>
    public void Attach(JobScheduler scheduler) => _scheduler.TrySetResult(scheduler);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        Task[] withdrawals;
        lock (_made)
        {
            withdrawals = [.. _withdrawals];
        }

        await Task.WhenAll(withdrawals).ConfigureAwait(false);
        _joining.Writer.TryComplete();
        List<LoanedSlot> made;
        lock (_made)
        {
            made = [.. _made];
        }

        foreach (var slot in made)
        {
            await slot.DisposeAsync().ConfigureAwait(false);
        }

        while (_loans.TryRead(out var unused))
        {
            unused.Return();
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var loan in _loans.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (loan.IsRecalled)
                {
                    loan.Return();
                    continue;
                }

                var slot = new LoanedSlot(_create(Name(loan.Number)), loan);
                lock (_made)
                {
                    _made.Add(slot);
                    _withdrawals.Add(WithdrawWhenRecalledAsync(slot, loan));
                }

                _joining.Writer.TryWrite(slot);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    /// <summary>
    /// Once the farm recalls the place, the slot leaves the run as it next asks for work (at once if it waits idle:
    /// its job has only other slots' frames in flight), then it is stopped and the place goes back to the farm.
    /// </summary>
    private async Task WithdrawWhenRecalledAsync(LoanedSlot slot, SlotLoan loan)
    {
        try
        {
            var reason = await loan.WhenRecalled.WaitAsync(_stop.Token).ConfigureAwait(false);
            var scheduler = await _scheduler.Task.WaitAsync(_stop.Token).ConfigureAwait(false);
            if (await scheduler.WithdrawSlotAsync(slot.Id, reason).WaitAsync(_stop.Token).ConfigureAwait(false))
            {
                await slot.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The run is over: every slot is stopped and every loan returned.
        }
    }

    /// <summary><c>local-N</c>, then <c>local-N.2</c> when place N comes back to the same run (a run never reuses a slot id).</summary>
    private string Name(int place)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"local-{place}");
        var uses = _names[name] = _names.GetValueOrDefault(name) + 1;
        return uses == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}.{uses}");
    }

    /// <summary>
    /// A slot on a lent place; stopping it gives the place back. A recalled place's slot renders the chunk it was
    /// handed (the job's last frames, say: stopping them would queue them again) and leaves before the next one.
    /// </summary>
    private sealed class LoanedSlot(IWorkerSlot inner, SlotLoan loan) : IWorkerSlot
    {
        private int _disposed;

        public string Id => inner.Id;

        public IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, CancellationToken cancellationToken) =>
            inner.RenderAsync(frames, cancellationToken);

        public Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken) =>
            inner.FetchAsync(workerPath, localPath, cancellationToken);

        public Task DiscardAsync(string workerPath, CancellationToken cancellationToken) =>
            inner.DiscardAsync(workerPath, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                await inner.DisposeAsync().ConfigureAwait(false);
                loan.Return();
            }
        }
    }
}
