using BlenderFarm.Application.Jobs;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Protocol;
using Phase = BlenderFarm.Protocol.JobPhase;

namespace BlenderFarm.Coordinator.Server;

/// <summary>Turns the job service's typed summaries into the protocol's status records: type to type, never through words.</summary>
internal static class JobStatusMapping
{
    public static JobStatusInfo ToProtocol(JobSummary job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new JobStatusInfo
        {
            JobId = job.JobId,
            Phase = Phase(job.Phase),
            Reason = job.Reason,
            BlendFile = job.BlendFile,
            OutputFolder = job.OutputFolder,
            Workers = job.Workers,
            Total = job.Total,
            Done = job.Done,
            Failed = job.Failed,
            Queued = job.Queued,
            InFlight = job.InFlight,
            FramesPerMinute = job.Live?.FramesPerMinute,
            EtaSeconds = job.Live?.Eta?.TotalSeconds,
            ElapsedSeconds = job.Live?.Elapsed.TotalSeconds ?? 0,
            Cost = job.Cost,
            Live = job.IsLive,
            LastFrame = job.LastFrame is { } last
                ? new FrameDoneInfo { JobId = job.JobId, Frame = last.Frame, Path = last.Path, Slot = last.Slot, RenderSeconds = last.RenderSeconds }
                : null,
            Slots = job.Live is { } live
                ? [.. live.Slots.Select(s => new SlotInfo
                {
                    Slot = s.Slot,
                    Doing = s.Doing,
                    Frame = s.Frame,
                    Sample = s.Sample,
                    Samples = s.Samples,
                    Retired = s.Retired,
                })]
                : [],
            Hosts = [.. job.Hosts.Select(h => new HostInfo { Host = h.Name, BlenderVersion = h.BlenderVersion, Slots = h.Slots })],
        };
    }

    public static Phase Phase(Application.Jobs.JobPhase phase) => phase switch
    {
        Application.Jobs.JobPhase.Running => Protocol.JobPhase.Running,
        Application.Jobs.JobPhase.Completed => Protocol.JobPhase.Completed,
        Application.Jobs.JobPhase.Failed => Protocol.JobPhase.Failed,
        Application.Jobs.JobPhase.Cancelled => Protocol.JobPhase.Cancelled,
        Application.Jobs.JobPhase.Paused => Protocol.JobPhase.Paused,
        Application.Jobs.JobPhase.Interrupted => Protocol.JobPhase.Interrupted,
        Application.Jobs.JobPhase.Queued => Protocol.JobPhase.Queued,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "A phase the protocol does not have."),
    };

    /// <summary>The phase a run ended in (job.ended).</summary>
    public static Phase Phase(JobStatus status) => status switch
    {
        JobStatus.Completed => Protocol.JobPhase.Completed,
        JobStatus.Cancelled => Protocol.JobPhase.Cancelled,
        JobStatus.Paused => Protocol.JobPhase.Paused,
        JobStatus.Running => Protocol.JobPhase.Running,
        JobStatus.Queued => Protocol.JobPhase.Queued,
        _ => Protocol.JobPhase.Failed,
    };
}
