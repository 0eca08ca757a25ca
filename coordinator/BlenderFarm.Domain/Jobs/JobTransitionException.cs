namespace BlenderFarm.Domain.Jobs;

/// <summary>A job status change the rules of <see cref="JobTransitions"/> do not allow; nothing was journaled.</summary>
public sealed class JobTransitionException(string jobId, JobStatus from, JobStatus to)
    : InvalidOperationException($"Job {jobId} cannot go from {from.ToString().ToLowerInvariant()} to {to.ToString().ToLowerInvariant()}.")
{
    public JobStatus From { get; } = from;

    public JobStatus To { get; } = to;
}
