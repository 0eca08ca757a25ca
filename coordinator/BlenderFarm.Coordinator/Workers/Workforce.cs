using System.Threading.Channels;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Aws.Fleet;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>
/// What a job renders on: slots ready now, and with AWS a fleet whose instances' slots join while the job runs, or
/// with the farm's queue the places lent from its pool. Disposing it ends the fleet (terminating its instances), the
/// pooled slots (returning their places) and every slot. <see cref="Hosts"/>: the SSH hosts made ready, with their
/// Blender versions, which the run journals for <c>status</c> and the add-on's panel.
/// </summary>
internal sealed class Workforce(IReadOnlyList<IWorkerSlot> slots, SpotFleet? fleet = null, PooledSlots? pooled = null, IReadOnlyList<WorkerHost>? hosts = null) : IAsyncDisposable
{
    public IReadOnlyList<IWorkerSlot> Slots { get; } = slots;

    public IReadOnlyList<WorkerHost> Hosts { get; } = hosts ?? [];

    public SpotFleet? Fleet { get; } = fleet;

    /// <summary>With the farm's queue: the places lent from its pool, which it may ask back between chunks.</summary>
    public PooledSlots? Pooled { get; } = pooled;

    /// <summary>Slots that join while the job runs (fleet instances, pool places); null when the slots are fixed.</summary>
    public ChannelReader<IWorkerSlot>? Joining => Fleet?.Slots ?? Pooled?.Joining;

    public async ValueTask DisposeAsync()
    {
        if (Fleet is not null)
        {
            await Fleet.DisposeAsync().ConfigureAwait(false);
        }

        if (Pooled is not null)
        {
            await Pooled.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var slot in Slots)
        {
            await slot.DisposeAsync().ConfigureAwait(false);
        }
    }
}
