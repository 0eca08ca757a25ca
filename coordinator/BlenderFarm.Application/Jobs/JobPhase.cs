namespace BlenderFarm.Application.Jobs;

/// <summary>
/// A job's status as a user sees it: the journaled <see cref="Domain.Jobs.JobStatus"/>, plus
/// <see cref="Interrupted"/> for a job whose journal says running while no coordinator holds it (it crashed or
/// was killed). Values follow the protocol's phase: explicit, only appended.
/// </summary>
public enum JobPhase
{
    Running = 0,
    Completed = 1,
    Failed = 2,
    Cancelled = 3,
    Paused = 4,
    Interrupted = 5,

    /// <summary>It waits in the farm's queue for its run (journaled <see cref="Domain.Jobs.JobStatus.Queued"/>).</summary>
    Queued = 6,
}
