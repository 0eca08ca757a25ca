using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Jobs;

/// <summary>One job as the read model holds it: what <c>status</c>, <c>jobs</c>, <c>job.status</c> and <c>job.progress</c> show.</summary>
public sealed record JobSummary(
    string JobId,
    JobPhase Phase,
    string? Reason,
    string BlendFile,
    string OutputFolder,
    string Workers,
    int Total,
    int Done,
    int Failed,
    int Queued,
    int InFlight,
    double Cost,
    FinishedFrame? LastFrame)
{
    /// <summary>Whether this process is rendering the job right now.</summary>
    public bool IsLive { get; init; }

    /// <summary>Live figures while this process renders the job (from its first snapshot on); null otherwise.</summary>
    public JobProgress? Live { get; init; }

    /// <summary>The worker hosts of the job's latest run with their Blender versions, as journaled; empty for local slots.</summary>
    public IReadOnlyList<WorkerHost> Hosts { get; init; } = [];

    /// <summary>Whether <see cref="Phase"/> lets <c>resume</c> carry the job on.</summary>
    public bool CanResume => Phase is not (JobPhase.Running or JobPhase.Completed);
}

/// <summary>A verified frame and its file.</summary>
public sealed record FinishedFrame(int Frame, string Path, string? Slot, double? RenderSeconds);
