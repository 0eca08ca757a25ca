using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Jobs;

/// <summary>One frame of a job as the journal last left it.</summary>
public sealed record FrameInfo(
    int Frame,
    FrameState State,
    int FailedAttempts,
    string? Slot,
    string? LastError,
    double? RenderSeconds,
    long? Bytes,
    DateTimeOffset? ChangedAt);
