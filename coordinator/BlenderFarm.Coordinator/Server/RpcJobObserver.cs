using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Watches a job the server renders: turns its frame changes and snapshots into <c>frame.done</c> and (at most twice
/// a second) <c>job.progress</c> notifications, read from the service's in-memory read model. Never blocks the run.
/// </summary>
internal sealed class RpcJobObserver(string jobId, JobHost host, TimeProvider time) : IJobObserver
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly Lock _lock = new();
    private DateTimeOffset _lastSent = DateTimeOffset.MinValue;
    private int _lastDone = -1;
    private JobSpec? _spec;

    public void OnStarted(JobSpec spec, JobProgress progress) => _spec = spec;

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.To is FrameState.Done && _spec is { } spec)
        {
            host.Publish(jobId, Notifications.FrameDone, new FrameDoneInfo
            {
                JobId = jobId,
                Frame = change.Frame,
                Path = spec.FramePath(change.Frame),
                Slot = change.Slot,
                RenderSeconds = change.RenderSeconds,
            });
        }
    }

    public void OnStatusChanged(JobStatusChanged change)
    {
    }

    public void OnProgress(JobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
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

        host.Publish(jobId, Notifications.JobProgress, host.Describe(jobId));
    }

    public void OnEnded(JobProgress progress)
    {
    }
}
