namespace BlenderFarm.Application.Jobs;

/// <summary>Another coordinator process is rendering the job.</summary>
public sealed class JobBusyException(string message) : InvalidOperationException(message);

/// <summary>The job is in a state the request does not fit (already rendering here, already complete).</summary>
public sealed class JobConflictException(string message) : InvalidOperationException(message);
