namespace BlenderFarm.Domain.Scheduling;

public sealed partial class JobScheduler
{
    /// <summary>Slots wanted back by whoever lent them (the farm's queue), and why; each retires when it next asks for work.</summary>
    private readonly Dictionary<string, (string Reason, TaskCompletionSource<bool> Retired)> _withdrawals = new(StringComparer.Ordinal);

    /// <summary>
    /// Asks for the slot back: it is retired (journaled with <paramref name="reason"/>) the next time it asks for work,
    /// at once if it waits idle, never in the middle of a chunk. A slot that has not joined yet retires as it joins.
    /// Once the job has finished nothing more is journaled: the run ends and gives every slot back anyway.
    /// The task completes with true once the slot retired this way (it takes no more work: its place may go), and
    /// with false when it was already retired for another reason.
    /// </summary>
    public Task<bool> WithdrawSlotAsync(string slot, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(slot);
        lock (_lock)
        {
            if (_slots.TryGetValue(slot, out var record) && record.Retired)
            {
                return Task.FromResult(false);
            }

            if (!_withdrawals.TryGetValue(slot, out var withdrawal))
            {
                withdrawal = (reason, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
                _withdrawals[slot] = withdrawal;
            }

            WakeAll(); // an idle slot asks again, and gives itself back
            return withdrawal.Retired.Task;
        }
    }

    /// <summary>Retires the slot if it was withdrawn; in the lock, when the slot asks for work.</summary>
    private bool GiveBackIfWithdrawn(SlotRecord record)
    {
        if (_withdrawals.Count == 0 || !_withdrawals.Remove(record.Id, out var withdrawal))
        {
            return false;
        }

        RetireLocked(record.Id, withdrawal.Reason);
        withdrawal.Retired.TrySetResult(true);
        return true;
    }
}
