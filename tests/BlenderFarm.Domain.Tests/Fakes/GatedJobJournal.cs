using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Domain.Tests.Fakes;

/// <summary>
/// A journal that keeps records in memory but makes them durable only when the test says so (<see cref="Flush"/>),
/// as a group-commit journal does between two flushes.
/// </summary>
internal sealed class GatedJobJournal : IJobJournal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Closed { get; set; } = true;

    public void Append(JournalRecord record) => AppendAsync(record).GetAwaiter().GetResult();

    public Task AppendAsync(JournalRecord record)
    {
        lock (_lock)
        {
            return Closed ? _next.Task : Task.CompletedTask;
        }
    }

    /// <summary>Every record appended so far becomes durable.</summary>
    public void Flush()
    {
        TaskCompletionSource flushed;
        lock (_lock)
        {
            flushed = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        flushed.SetResult();
    }

    public void Dispose()
    {
    }
}
