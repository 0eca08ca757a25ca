using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Queue;

/// <summary>Passes a run's events on, and shows the farm's queue each of its progress counters (never blocks).</summary>
internal sealed class ProgressWatch(IJobObserver inner, Action<JobProgress> seen) : IJobObserver
{
    public void OnStarted(JobSpec spec, JobProgress progress)
    {
        inner.OnStarted(spec, progress);
        seen(progress);
    }

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
        inner.OnFrameChanged(change, progress);
        seen(progress);
    }

    public void OnStatusChanged(JobStatusChanged change) => inner.OnStatusChanged(change);

    public void OnProgress(JobProgress progress)
    {
        inner.OnProgress(progress);
        seen(progress);
    }

    public void OnEnded(JobProgress progress)
    {
        inner.OnEnded(progress);
        seen(progress);
    }
}
