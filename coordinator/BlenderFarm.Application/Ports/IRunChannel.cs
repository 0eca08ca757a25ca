namespace BlenderFarm.Application.Ports;

/// <summary>
/// How the job service reaches a run of a job in another process (a one-shot <c>blenderfarm render</c> or
/// <c>resume</c>) to stop it: that process listens on a local endpoint while it renders the job.
/// </summary>
public interface IRunChannel
{
    /// <summary>Asks the process rendering the job to stop its run; says whether that process took the request.</summary>
    Task<RunReach> AskToStopAsync(string jobId, RunStop stop, string reason, CancellationToken cancellationToken);
}

/// <summary>How a run is asked to stop (wire values: append only).</summary>
public enum RunStop
{
    /// <summary>Frames in flight go back to the queue and the job ends cancelled.</summary>
    Cancel = 0,

    /// <summary>Frames in flight go back to the queue and the job ends paused (resumable).</summary>
    Pause = 1,
}

/// <summary>Whether the process rendering the job took the request; when not, <see cref="Problem"/> says why in one sentence.</summary>
public sealed record RunReach(bool Delivered, string? Problem)
{
    public static RunReach Taken { get; } = new(true, null);

    public static RunReach Failed(string problem) => new(false, problem);
}
