namespace BlenderFarm.Domain.Journal;

/// <summary>Where a job's records go. <see cref="Append"/> returns only once the record is durable.</summary>
public interface IJobJournal : IDisposable
{
    void Append(JournalRecord record);
}
