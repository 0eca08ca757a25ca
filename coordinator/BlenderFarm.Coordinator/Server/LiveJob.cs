using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>A job this server process is rendering right now: its run, its latest snapshot, its last finished frame.</summary>
internal sealed class LiveJob(string jobId)
{
    private readonly TaskCompletionSource<JobSpec> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string JobId { get; } = jobId;

    /// <summary>Collects the run's closing summary (what the CLI prints on stdout), the sentence job.ended carries.</summary>
    public StringWriter Output { get; } = new();

    /// <summary>Completes when the job is journaled and its slots start, i.e. when the run asks for its progress display.</summary>
    public Task<JobSpec> Started => _started.Task;

    public JobSpec? Spec { get; private set; }

    public JobProgress? Progress { get; set; }

    public FrameDoneInfo? LastFrame { get; set; }

    public Task<int>? Run { get; set; }

    public void MarkStarted(JobSpec spec)
    {
        Spec = spec;
        _started.TrySetResult(spec);
    }
}
