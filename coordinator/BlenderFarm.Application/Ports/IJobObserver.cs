using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Ports;

/// <summary>
/// Watches one run: each frame and status transition as it is journaled, and a progress snapshot a few times a
/// second. Called on the scheduler's threads: never block.
/// </summary>
public interface IJobObserver
{
    /// <summary>The run is journaled and its slots are about to start.</summary>
    void OnStarted(JobSpec spec, JobProgress progress);

    void OnFrameChanged(FrameChanged change, JobProgress progress);

    void OnStatusChanged(JobStatusChanged change);

    void OnProgress(JobProgress progress);

    /// <summary>The run is over (called before its outcome is returned).</summary>
    void OnEnded(JobProgress progress);
}
