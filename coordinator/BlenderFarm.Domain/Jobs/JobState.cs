using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Domain.Jobs;

/// <summary>
/// A job rebuilt from its journal. <see cref="Apply"/> is the only way it changes, both when replaying a journal and
/// live, so what a resumed coordinator sees is exactly what the crashed one had made durable. Not thread-safe:
/// the scheduler owns the lock.
/// </summary>
public sealed class JobState
{
    private readonly SortedDictionary<int, FrameInfo> _frames = [];
    private readonly Dictionary<string, string> _retiredSlots = [];
    private readonly Dictionary<string, InstanceCostRecorded> _instances = [];

    private JobState(JobSpec spec)
    {
        Spec = spec;
        foreach (var frame in spec.Frames)
        {
            _frames[frame] = new FrameInfo(frame, FrameState.Queued, 0, null, null, null, null, null);
        }
    }

    public JobSpec Spec { get; }

    public JobStatus Status { get; private set; } = JobStatus.Running;

    public string? StatusReason { get; private set; }

    public DateTimeOffset? StatusChangedAt { get; private set; }

    public int Runs { get; private set; }

    public int? LastRunProcessId { get; private set; }

    public IEnumerable<FrameInfo> Frames => _frames.Values;

    public IReadOnlyDictionary<string, string> RetiredSlots => _retiredSlots;

    /// <summary>The worker hosts of the latest run, with their Blender versions; empty for local slots.</summary>
    public IReadOnlyList<WorkerHost> Hosts { get; private set; } = [];

    /// <summary>The latest cost record of every cloud instance that worked on the job, in any run.</summary>
    public IReadOnlyDictionary<string, InstanceCostRecorded> Instances => _instances;

    /// <summary>USD spent on cloud instances so far: the latest record of each, summed. 0 for a job without any.</summary>
    public double Cost => _instances.Values.Sum(i => i.Usd);

    public FrameInfo Frame(int frame) => _frames[frame];

    public int Count(FrameState state) => _frames.Values.Count(f => f.State == state);

    public static JobState Replay(IEnumerable<JournalRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        JobState? state = null;
        foreach (var record in records)
        {
            if (state is null)
            {
                state = record is JobCreated created
                    ? new JobState(created.Spec)
                    : throw new InvalidDataException("The journal does not start with the job's creation.");
                continue;
            }

            state.Apply(record);
        }

        return state ?? throw new InvalidDataException("The journal holds no job.");
    }

    public static JobState New(JobSpec spec) => new(spec);

    /// <summary>
    /// The one way a job's status changes, for every writer (a run opening and ending, a cancel): checks the change
    /// against <see cref="JobTransitions"/>, journals it, then applies it. A refused change throws
    /// <see cref="JobTransitionException"/> and journals nothing.
    /// </summary>
    public JobStatusChanged ChangeStatus(IJobJournal journal, JobStatus to, DateTimeOffset at, string? reason)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return ChangeStatus(journal.Append, to, at, reason);
    }

    /// <summary>
    /// The same change, with the record handed to <paramref name="append"/> (the scheduler's group-commit append, which
    /// makes it durable with the records around it) before it is applied.
    /// </summary>
    public JobStatusChanged ChangeStatus(Action<JournalRecord> append, JobStatus to, DateTimeOffset at, string? reason)
    {
        ArgumentNullException.ThrowIfNull(append);
        if (!JobTransitions.IsAllowed(Status, to))
        {
            throw new JobTransitionException(Spec.JobId, Status, to);
        }

        var record = new JobStatusChanged(to, at, reason);
        append(record);
        Apply(record);
        StatusChanged?.Invoke(record);
        return record;
    }

    /// <summary>Raised after each status change made through <see cref="ChangeStatus"/> (not on replay).</summary>
    public event Action<JobStatusChanged>? StatusChanged;

    public void Apply(JournalRecord record)
    {
        switch (record)
        {
            case JobCreated:
                throw new InvalidDataException("A journal holds one job.");
            case RunStarted run:
                Runs++;
                LastRunProcessId = run.ProcessId;
                Hosts = run.Hosts ?? [];
                _retiredSlots.Clear();
                break;
            case FrameChanged change:
                ApplyFrame(change);
                break;
            case SlotRetired retired:
                _retiredSlots[retired.Slot] = retired.Reason;
                break;
            case JobStatusChanged status:
                if (!JobTransitions.IsAllowed(Status, status.Status))
                {
                    throw new InvalidDataException(
                        $"The journal moves the job from {Status} to {status.Status}, which the job's rules do not allow.");
                }

                Status = status.Status;
                StatusReason = status.Reason;
                StatusChangedAt = status.At;
                break;
            case InstanceCostRecorded cost:
                _instances[cost.InstanceId] = cost;
                break;
            default:
                throw new InvalidDataException($"Unknown journal record {record.GetType().Name}.");
        }
    }

    private void ApplyFrame(FrameChanged change)
    {
        if (!_frames.TryGetValue(change.Frame, out var frame))
        {
            throw new InvalidDataException($"The journal moves frame {change.Frame}, which the job does not have.");
        }

        if (frame.State != change.From || !FrameTransitions.IsAllowed(change.From, change.To))
        {
            throw new InvalidDataException(
                $"The journal moves frame {change.Frame} from {change.From} to {change.To}, but it was {frame.State}.");
        }

        _frames[change.Frame] = frame with
        {
            State = change.To,
            FailedAttempts = change.FailedAttempts,
            Slot = change.Slot,
            LastError = change.To is FrameState.Done ? null : change.Detail ?? frame.LastError,
            RenderSeconds = change.RenderSeconds ?? frame.RenderSeconds,
            Bytes = change.Bytes ?? frame.Bytes,
            ChangedAt = change.At,
        };
    }
}
