namespace BlenderFarm.Domain.Journal;

/// <summary>Where a job's records go, in the order they are appended.</summary>
public interface IJobJournal : IDisposable
{
    /// <summary>Appends the record and returns once it is durable.</summary>
    void Append(JournalRecord record);

    /// <summary>
    /// Appends the record now, in call order, and returns a task that completes once it (and every record before it)
    /// is durable: callers append under their lock and wait outside it, so many records share one flush to the disk.
    /// A failure to write completes the task with the I/O error, and every later append throws it.
    /// </summary>
    Task AppendAsync(JournalRecord record)
    {
        Append(record);
        return Task.CompletedTask;
    }
}
