using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using MessagePack;

namespace BlenderFarm.Domain.Journal;

/// <summary>
/// One entry of a job's append-only journal. Replaying every record in order rebuilds the job.
/// Union keys are a file format: never reuse or renumber them, only append.
/// </summary>
[Union(0, typeof(JobCreated))]
[Union(1, typeof(RunStarted))]
[Union(2, typeof(FrameChanged))]
[Union(3, typeof(SlotRetired))]
[Union(4, typeof(JobStatusChanged))]
[Union(5, typeof(InstanceCostRecorded))]
public abstract record JournalRecord;

/// <summary>The job was submitted.</summary>
[MessagePackObject]
public sealed record JobCreated([property: Key(0)] JobSpec Spec) : JournalRecord;

/// <summary>
/// A coordinator process started (or resumed) work on the job; <see cref="Hosts"/>: the worker hosts it made ready for
/// this run (SSH hosts, with the Blender each runs), null for local slots and journals written before hosts were kept.
/// </summary>
[MessagePackObject]
public sealed record RunStarted(
    [property: Key(0)] DateTimeOffset At,
    [property: Key(1)] int ProcessId,
    [property: Key(2)] string Workers,
    [property: Key(3)] IReadOnlyList<WorkerHost>? Hosts = null) : JournalRecord;

/// <summary>One frame moved from one state to another.</summary>
[MessagePackObject]
public sealed record FrameChanged(
    [property: Key(0)] int Frame,
    [property: Key(1)] FrameState From,
    [property: Key(2)] FrameState To,
    [property: Key(3)] DateTimeOffset At,
    [property: Key(4)] string? Slot,
    [property: Key(5)] int FailedAttempts,
    [property: Key(6)] string? Detail,
    [property: Key(7)] double? RenderSeconds,
    [property: Key(8)] long? Bytes) : JournalRecord;

/// <summary>A slot stopped taking frames for the rest of the run.</summary>
[MessagePackObject]
public sealed record SlotRetired(
    [property: Key(0)] string Slot,
    [property: Key(1)] string Reason,
    [property: Key(2)] DateTimeOffset At) : JournalRecord;

/// <summary>The job as a whole changed status.</summary>
[MessagePackObject]
public sealed record JobStatusChanged(
    [property: Key(0)] JobStatus Status,
    [property: Key(1)] DateTimeOffset At,
    [property: Key(2)] string? Reason) : JournalRecord;

/// <summary>
/// Cloud instance <see cref="InstanceId"/>, running since <see cref="LaunchedAt"/> at <see cref="PricePerHour"/> USD,
/// has cost <see cref="Usd"/> up to <see cref="Until"/>; <see cref="Ended"/>: it is terminated and this is final.
/// The latest record of an instance supersedes its earlier ones.
/// </summary>
[MessagePackObject]
public sealed record InstanceCostRecorded(
    [property: Key(0)] string InstanceId,
    [property: Key(1)] string InstanceType,
    [property: Key(2)] string Zone,
    [property: Key(3)] double PricePerHour,
    [property: Key(4)] DateTimeOffset LaunchedAt,
    [property: Key(5)] DateTimeOffset Until,
    [property: Key(6)] double Usd,
    [property: Key(7)] bool Ended,
    [property: Key(8)] DateTimeOffset At) : JournalRecord;
