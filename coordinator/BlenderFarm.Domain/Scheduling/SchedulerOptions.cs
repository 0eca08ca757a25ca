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

    public void Validate()
    {
        if (MaxAttemptsPerFrame < 1 || SlotFailureLimit < 1 || TargetChunkDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException("Scheduler limits must be positive.");
        }
    }
}
