using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Domain.Tests.Fakes;

/// <summary>A journal that keeps its records in memory, starting with the job's creation as the file journal does.</summary>
internal sealed class InMemoryJobJournal : IJobJournal
{
    private readonly Lock _lock = new();
    private readonly List<JournalRecord> _records = [];

    public InMemoryJobJournal(JobSpec spec) => _records.Add(new JobCreated(spec));

    /// <summary>A copy of every record appended so far, in order.</summary>
    public IReadOnlyList<JournalRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    public IReadOnlyList<FrameChanged> FrameChanges => [.. Records.OfType<FrameChanged>()];

    /// <summary>The frame changes appended after the first <paramref name="skip"/> records.</summary>
    public IReadOnlyList<FrameChanged> FrameChangesSince(int skip) => [.. Records.Skip(skip).OfType<FrameChanged>()];

    public IReadOnlyList<FrameChanged> ChangesOf(int frame) => [.. FrameChanges.Where(c => c.Frame == frame)];

    public bool IsDisposed { get; private set; }

    public void Append(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            _records.Add(record);
        }
    }

    public void Dispose() => IsDisposed = true;
}
