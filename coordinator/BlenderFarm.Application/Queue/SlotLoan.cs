namespace BlenderFarm.Application.Queue;

/// <summary>
/// One place of the farm's pool lent to one job. The job renders on it chunk after chunk; once the farm recalls it
/// (a job with a higher priority waits), the job gives it back before its next chunk, never in the middle of one.
/// Returning is idempotent. Thread-safe.
/// </summary>
public sealed class SlotLoan
{
    private readonly Action<SlotLoan> _returned;
    private int _recalled;
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
    public bool IsRecalled => Volatile.Read(ref _recalled) == 1;

    public bool IsReturned => Volatile.Read(ref _isReturned) == 1;

    internal void Recall() => Volatile.Write(ref _recalled, 1);

    /// <summary>The job no longer renders on this place (its slot is stopped).</summary>
    public void Return()
    {
        if (Interlocked.Exchange(ref _isReturned, 1) == 0)
        {
            _returned(this);
        }
    }
}
