namespace BlenderFarm.Application.Jobs;

/// <summary>The sentences the service words for users, each in one place; the CLI prints them, the server sends them.</summary>
public static class JobMessages
{
    public const string CancelledByUser = "cancelled by the user";

    public const string StoppedByUser = "stopped by the user (Ctrl+C)";

    public static string NotFound(string jobId, string jobsFolder) => $"There is no job '{jobId}' in {jobsFolder}.";

    public static string Busy(string jobId) =>
        $"Job {jobId} is being rendered by another blenderfarm process; 'blenderfarm status {jobId}' shows its progress.";

    public static string AlreadyRenderingHere(string jobId) => $"Job {jobId} is already rendering in this coordinator.";

    public static string AlreadyExists(string jobId) => $"There is already a job {jobId}: choose another id.";

    public static string AlreadyComplete(string jobId) => $"Job {jobId} is already complete: every frame is rendered.";

    public static string StillRunning(string jobId, TimeSpan patience) =>
        $"Job {jobId} was asked to stop but is still running after {patience.TotalSeconds:0} s.";

    public static string NotRendering(string jobId) =>
        $"Job {jobId} is not being rendered: nothing to pause (a farm pauses queued jobs: 'blenderfarm pause' with 'blenderfarm serve' running).";

    public static string Unreachable(string jobId, string problem) =>
        $"Job {jobId} is held by another blenderfarm process that could not be asked to stop: {problem}";

    public static string StoppedOnError(string jobId, string error) => $"Job {jobId} stopped on an error: {error}";
}
