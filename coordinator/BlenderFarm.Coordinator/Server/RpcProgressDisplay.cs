using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// The progress display of a job rendered by the server: turns the run's frame changes and snapshots into
/// <c>frame.done</c> and (at most twice a second) <c>job.progress</c> notifications. Never blocks the scheduler.
/// </summary>
internal sealed class RpcProgressDisplay(LiveJob job, JobHost host, TimeProvider time) : IProgressDisplay
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly Lock _lock = new();
    private DateTimeOffset _lastSent = DateTimeOffset.MinValue;
    private int _lastDone = -1;

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
        job.Progress = progress;
        if (change.To is not FrameState.Done || job.Spec is not { } spec)
        {
            return;
        }

        var frame = new FrameDoneInfo
        {
            JobId = job.JobId,
            Frame = change.Frame,
            Path = spec.FramePath(change.Frame),
            Slot = change.Slot,
            RenderSeconds = change.RenderSeconds,
        };
        job.LastFrame = frame;
        host.Publish(job.JobId, Notifications.FrameDone, frame);
    }

    public void Refresh(JobProgress progress)
    {
        job.Progress = progress;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now - _lastSent < Interval && progress.Done == _lastDone)
            {
                return;
            }

            _lastSent = now;
            _lastDone = progress.Done;
        }

        host.Publish(job.JobId, Notifications.JobProgress, host.Describe(job.JobId));
    }

    public void Dispose()
    {
    }
}
