using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Progress;

/// <summary>Shows a running job: a live line on a terminal, plain log lines otherwise.</summary>
internal interface IProgressDisplay : IDisposable
{
    /// <summary>Called for every journaled frame transition (quick: it only queues text).</summary>
    void OnFrameChanged(FrameChanged change, JobProgress progress);

    /// <summary>Called a few times a second with the latest snapshot.</summary>
    void Refresh(JobProgress progress);
}
