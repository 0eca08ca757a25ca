using BlenderFarm.Application.Queue;

namespace BlenderFarm.Application.Ports;

/// <summary>
/// Where the farm keeps its queue so that a restart (even after kill -9) carries on with the same jobs, priorities
/// and order. Each save replaces the whole queue atomically.
/// </summary>
public interface IJobQueueStore
{
    IReadOnlyList<QueuedJob> Load();

    void Save(IReadOnlyList<QueuedJob> jobs);
}
