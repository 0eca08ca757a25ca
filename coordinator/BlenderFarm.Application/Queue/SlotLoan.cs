namespace BlenderFarm.Application.Queue;

/// <summary>
/// One place of the farm's pool lent to one job. The job renders on it chunk after chunk; once the farm recalls it
/// (a job with a higher priority waits, or the job has no frame left to start and the next job waits), the job gives
/// it back before its next chunk, never in the middle of one. Returning is idempotent. Thread-safe.
/// </summary>
public sealed class SlotLoan
{
    private readonly Action<SlotLoan> _returned;
    private readonly TaskCompletionSource<string> _recalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _isReturned;

    internal SlotLoan(int number, string jobId, Action<SlotLoan> returned)
    {
        Number = number;
        JobId = jobId;
        _returned = returned;
    }

    /// <summary>The pool place, 1 to the pool's size: the job's slot on it is called <c>local-N</c>.</summary>
    public int Number { get; }

    public string JobId { get; }

    /// <summary>True once the farm wants the place back: the job returns it instead of starting another chunk.</summary>
    public bool IsRecalled => _recalled.Task.IsCompleted;

    /// <summary>Completes (on the thread pool, never in the farm's lock) with the reason once the farm wants the place back.</summary>
    public Task<string> WhenRecalled => _recalled.Task;

    /// <summary>Why the farm wants the place back; null while it does not.</summary>
    public string? RecallReason => _recalled.Task.IsCompleted ? _recalled.Task.Result : null;

    public bool IsReturned => Volatile.Read(ref _isReturned) == 1;

    internal void Recall(string reason) => _recalled.TrySetResult(reason);

    /// <summary>The job no longer renders on this place (its slot is stopped).</summary>
    public void Return()
    {
        if (Interlocked.Exchange(ref _isReturned, 1) == 0)
        {
            _returned(this);
        }
    }
}
