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

    public void Validate()
    {
        if (MaxAttemptsPerFrame < 1 || SlotFailureLimit < 1 || TargetChunkDuration <= TimeSpan.Zero
            || StuckFloor <= TimeSpan.Zero || StuckFactor <= 0 || FirstFrameStuckLimit <= TimeSpan.Zero || WatchdogInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Scheduler limits must be positive.");
        }
    }
}
