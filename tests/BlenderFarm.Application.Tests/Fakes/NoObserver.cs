using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Tests.Fakes;

/// <summary>An observer that watches nothing (the service keeps its own read model regardless).</summary>
internal sealed class NoObserver : IJobObserver
{
    public static readonly NoObserver Instance = new();

    public void OnStarted(JobSpec spec, JobProgress progress)
    {
    }

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
    }

    public void OnStatusChanged(JobStatusChanged change)
    {
    }

    public void OnProgress(JobProgress progress)
    {
    }

    public void OnEnded(JobProgress progress)
    {
    }
}
