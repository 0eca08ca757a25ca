namespace BlenderFarm.Domain.Scheduling;

/// <summary>Limits the scheduler works to.</summary>
public sealed class SchedulerOptions
{
    /// <summary>A frame fails for good after this many failed attempts in one run.</summary>
    public int MaxAttemptsPerFrame { get; init; } = 3;

    /// <summary>A slot is retired for the job after this many failures in a row.</summary>
    public int SlotFailureLimit { get; init; } = 3;

    /// <summary>With <c>--chunk auto</c>, the render time a chunk aims for.</summary>
    public TimeSpan TargetChunkDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The frame watchdog: a slot whose frame shows no progress (no sample, no event) for
    /// <see cref="StuckFactor"/> times the slowest measured frame of the job, and never less than this, is stuck.
    /// </summary>
    public TimeSpan StuckFloor { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many times the slowest measured frame a slot may go without progress.</summary>
    public double StuckFactor { get; init; } = 3;

    /// <summary>Until a frame of the job was measured (scene load and BVH build print little): the silence allowed.</summary>
    public TimeSpan FirstFrameStuckLimit { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the watchdog looks.</summary>
    public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Copies of stragglers: an idle slot gets a copy of the frame expected to finish last when the copy is expected
    /// to finish at least this fraction of the original's remaining time sooner (0.1: 10% sooner); null: never.
    /// Cloud jobs use <see cref="CloudCopySaving"/>.
    /// </summary>
    public double? CopySaving { get; init; } = 0.1;

    /// <summary>
    /// On cloud instances a copy keeps an instance busy that would otherwise end: it must save at least as much time
    /// as it runs (it must finish before half of the original's remaining time), so the job's end moves sooner by at
    /// least the instance time the copy costs.
    /// </summary>
    public const double CloudCopySaving = 0.5;

    /// <summary>These options with another copy rule.</summary>
    public SchedulerOptions WithCopySaving(double? saving) => new()
    {
        MaxAttemptsPerFrame = MaxAttemptsPerFrame,
        SlotFailureLimit = SlotFailureLimit,
        TargetChunkDuration = TargetChunkDuration,
        StuckFloor = StuckFloor,
        StuckFactor = StuckFactor,
        FirstFrameStuckLimit = FirstFrameStuckLimit,
        WatchdogInterval = WatchdogInterval,
        CopySaving = saving,
    };

    public void Validate()
    {
        if (MaxAttemptsPerFrame < 1 || SlotFailureLimit < 1 || TargetChunkDuration <= TimeSpan.Zero
            || StuckFloor <= TimeSpan.Zero || StuckFactor <= 0 || FirstFrameStuckLimit <= TimeSpan.Zero || WatchdogInterval <= TimeSpan.Zero
            || CopySaving is < 0 or >= 1)
        {
            throw new ArgumentException("Scheduler limits must be positive.");
        }
    }
}
