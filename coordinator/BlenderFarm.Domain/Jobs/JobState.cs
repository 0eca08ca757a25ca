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
    /// <summary>Every frame's state, in frame order; a frame's place is <see cref="IndexOf"/> (constant time, no tree walk).</summary>
    private readonly FrameInfo[] _frames;

    /// <summary>Frame number to place in <see cref="_frames"/>, for a job whose frames are not one consecutive run; else null.</summary>
    private readonly Dictionary<int, int>? _index;
    private readonly IReadOnlyList<FrameInfo> _framesView;
    private readonly Dictionary<string, string> _retiredSlots = [];
    private readonly Dictionary<string, InstanceCostRecorded> _instances = [];

    private JobState(JobSpec spec)
    {
        Spec = spec;
        var numbers = spec.Frames.Distinct().Order().ToArray();
        _frames = new FrameInfo[numbers.Length];
        for (var i = 0; i < numbers.Length; i++)
        {
            _frames[i] = new FrameInfo(numbers[i], FrameState.Queued, 0, null, null, null, null, null);
        }

        _framesView = Array.AsReadOnly(_frames);

        if (numbers.Length > 0 && (long)numbers[^1] - numbers[0] != numbers.Length - 1)
        {
            _index = new Dictionary<int, int>(numbers.Length);
            for (var i = 0; i < numbers.Length; i++)
            {
                _index[numbers[i]] = i;
            }
        }
    }

    public JobSpec Spec { get; }

    public JobStatus Status { get; private set; } = JobStatus.Running;

    public string? StatusReason { get; private set; }

    public DateTimeOffset? StatusChangedAt { get; private set; }

    public int Runs { get; private set; }

    public int? LastRunProcessId { get; private set; }

    public IEnumerable<FrameInfo> Frames => _framesView;

    public IReadOnlyDictionary<string, string> RetiredSlots => _retiredSlots;

    /// <summary>The worker hosts of the latest run, with their Blender versions; empty for local slots.</summary>
    public IReadOnlyList<WorkerHost> Hosts { get; private set; } = [];

    /// <summary>The latest cost record of every cloud instance that worked on the job, in any run.</summary>
    public IReadOnlyDictionary<string, InstanceCostRecorded> Instances => _instances;

    /// <summary>USD spent on cloud instances so far: the latest record of each, summed. 0 for a job without any.</summary>
    public double Cost => _instances.Values.Sum(i => i.Usd);

    public FrameInfo Frame(int frame) =>
        IndexOf(frame) is { } i ? _frames[i] : throw new KeyNotFoundException($"The job has no frame {frame}.");

    public int Count(FrameState state) => _frames.Count(f => f.State == state);

    private int? IndexOf(int frame)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(frame, out var i) ? i : null;
        }

        var place = _frames.Length > 0 ? (long)frame - _frames[0].Frame : -1;
        return place >= 0 && place < _frames.Length ? (int)place : null;
    }

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
        if (IndexOf(change.Frame) is not { } place)
        {
            throw new InvalidDataException($"The journal moves frame {change.Frame}, which the job does not have.");
        }

        var frame = _frames[place];
        if (frame.State != change.From || !FrameTransitions.IsAllowed(change.From, change.To))
        {
            throw new InvalidDataException(
                $"The journal moves frame {change.Frame} from {change.From} to {change.To}, but it was {frame.State}.");
        }

        _frames[place] = frame with
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
