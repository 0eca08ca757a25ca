using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>How a job's status reads to a user, including a run that crashed (journal says running, nobody holds it).</summary>
internal static class JobDescription
{
    public static string StatusWord(JobStore store, JobState state) => state.Status switch
    {
        JobStatus.Running => store.IsTaken(state.Spec.JobId) ? "running" : "interrupted",
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        JobStatus.Cancelled => "cancelled",
        JobStatus.Paused => "paused",
        _ => state.Status.ToString().ToLowerInvariant(),
    };
}
