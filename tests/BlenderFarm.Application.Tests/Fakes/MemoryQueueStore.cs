using BlenderFarm.Application.Ports;
using BlenderFarm.Application.Queue;

namespace BlenderFarm.Application.Tests.Fakes;

/// <summary>The queue kept in memory, shared by the queues of one test as a file would be by two farm processes.</summary>
internal sealed class MemoryQueueStore : IJobQueueStore
{
    private IReadOnlyList<QueuedJob> _jobs = [];

    public IReadOnlyList<QueuedJob> Load() => _jobs;

    public void Save(IReadOnlyList<QueuedJob> jobs) => _jobs = [.. jobs];
}
