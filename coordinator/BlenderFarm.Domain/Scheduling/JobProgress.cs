namespace BlenderFarm.Domain.Scheduling;

/// <summary>A snapshot of a running job for progress lines and bars. <see cref="Cost"/>: USD spent on cloud instances (0 on local and SSH slots).</summary>
public sealed record JobProgress(
    int Total,
    int Done,
    int Failed,
    int Queued,
    int InFlight,
    double? FramesPerMinute,
    TimeSpan? Eta,
    TimeSpan Elapsed,
    IReadOnlyList<SlotActivity> Slots,
    double Cost)
{
    /// <summary>What the run's cloud instances are doing, e.g. "aws: 2 rendering, 1 booting"; null without cloud instances.</summary>
    public string? Workers { get; init; }
}
