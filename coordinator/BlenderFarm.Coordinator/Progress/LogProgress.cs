using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Progress;

/// <summary>Plain log lines, one per frame that ends or is retried and one when the cloud instances' states change, for logs and pipes.</summary>
internal sealed class LogProgress(ILogger<LogProgress> logger) : IProgressDisplay
{
    private string? _workers;

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
        switch (change.To)
        {
            case FrameState.Done:
                Log.FrameDone(logger, change.Frame, change.Slot ?? "resume", progress.Done, progress.Total, progress.Failed,
                    ProgressText.Rate(progress.FramesPerMinute), ProgressText.Duration(progress.Eta));
                break;
            case FrameState.Failed:
                Log.FrameFailedForGood(logger, change.Frame, change.Slot ?? "-", change.Detail ?? "");
                break;
            case FrameState.Queued when change.From is FrameState.Rendering or FrameState.Transferring:
                Log.FrameRetried(logger, change.Frame, change.Slot ?? "-", change.Detail ?? "");
                break;
        }
    }

    /// <summary>Logs what the cloud instances are doing each time it changes ("aws: 1 rendering, 1 booting").</summary>
    public void Refresh(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Workers is { } workers && Interlocked.Exchange(ref _workers, workers) != workers)
        {
            Log.WorkersChanged(logger, workers);
        }
    }

    public void Dispose()
    {
    }
}
