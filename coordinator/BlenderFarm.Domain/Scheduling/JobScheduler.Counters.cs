using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// Constant cost per event: counts kept as frames change state (so finishing, progress and chunk sizes never scan the
/// frames or the slots), and idle slots woken one per frame queued instead of all on every change.
/// </summary>
public sealed partial class JobScheduler
{
    /// <summary>
    /// Slots waiting for work, the fastest first (by their measured frame time): one is woken per frame queued, all
    /// when the job may have ended.
    /// </summary>
    private readonly PriorityQueue<TaskCompletionSource, (double Seconds, long Order)> _idle = new();
    private long _idleOrder;

    // Kept as frames change state, so every question below is answered without a scan.
    private int _activeSlots;
    private int _inFlightCount;
    private int _doneCount;
    private int _failedCount;

    private void Count(FrameState state, int delta)
    {
        switch (state)
        {
            case FrameState.Done:
                _doneCount += delta;
                break;
            case FrameState.Failed:
                _failedCount += delta;
                break;
            case FrameState.Assigned or FrameState.Rendering or FrameState.Transferring:
                _inFlightCount += delta;
                break;
        }
    }

    /// <summary>How many times an idle slot was woken: once per frame queued, not once per change.</summary>
    internal long Wakeups { get; private set; }

    private void Idle(SlotRecord record, TaskCompletionSource woken) =>
        _idle.Enqueue(woken, (FrameSecondsOn(record) ?? 0, _idleOrder++));

    private void WakeOne()
    {
        while (_idle.TryDequeue(out var waiter, out _))
        {
            if (waiter.TrySetResult())
            {
                Wakeups++;
                return;
            }
        }
    }

    private void WakeAll()
    {
        while (_idle.TryDequeue(out var waiter, out _))
        {
            Wakeups += waiter.TrySetResult() ? 1 : 0;
        }
    }
}
