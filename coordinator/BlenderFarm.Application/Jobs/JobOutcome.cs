using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application.Jobs;

/// <summary>How a run of a job ended: its journaled status and the one sentence that tells the user.</summary>
public sealed record JobOutcome(string JobId, JobStatus Status, string Message);
