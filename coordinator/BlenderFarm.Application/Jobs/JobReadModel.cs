using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Jobs;

/// <summary>
/// What the service answers status questions from. A job this process renders is kept in memory and updated from
/// its run's transitions and snapshots, so describing it never reads its journal. Any other job is read from its
/// journal, and the result is kept until the journal file changes. Thread-safe.
/// </summary>
internal sealed class JobReadModel(JobStore store)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JobSummary> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Length, DateTime Written, JobState State)> _read = new(StringComparer.Ordinal);

    /// <summary>How many times a journal was replayed (to prove the live path does not).</summary>
    public int JournalReads { get; private set; }

    public bool IsLive(string jobId)
    {
        lock (_lock)
        {
            return _live.ContainsKey(jobId);
        }
    }

    /// <summary>Starts keeping <paramref name="state"/>'s job in memory; the returned observer keeps it current.</summary>
    public IJobObserver Track(JobState state)
    {
        var summary = Summaries.FromJournal(state, JobPhase.Running) with { IsLive = true };
        lock (_lock)
        {
            _live[state.Spec.JobId] = summary;
        }

        return new Tracker(this, state);
    }

    public void Forget(string jobId)
    {
        lock (_lock)
        {
            _live.Remove(jobId);
        }
    }

    /// <summary>The job's summary: live while this process renders it, else from its journal.</summary>
    public JobSummary Describe(string jobId)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(jobId, out var live))
            {
                return live;
            }
        }

        var state = Read(jobId);
        var phase = Summaries.Phase(state.Status, heldByACoordinator: state.Status == JobStatus.Running && store.IsTaken(jobId));
        return Summaries.FromJournal(state, phase);
    }

    /// <summary>The job as its journal has it, replayed only when the file changed since the last read.</summary>
    public JobState Read(string jobId)
    {
        var key = store.JournalStamp(jobId);
        lock (_lock)
        {
            if (_read.TryGetValue(jobId, out var cached) && (cached.Length, cached.Written) == key)
            {
                return cached.State;
            }
        }

        var state = store.Read(jobId);
        lock (_lock)
        {
            JournalReads++;
            _read[jobId] = (key.Item1, key.Item2, state);
        }

        return state;
    }

    private void Update(string jobId, Func<JobSummary, JobSummary> change)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(jobId, out var summary))
            {
                _live[jobId] = change(summary);
            }
        }
    }

    private sealed class Tracker(JobReadModel model, JobState state) : IJobObserver
    {
        /// <summary>The run is journaled: its hosts (and their Blender versions) are the job's now.</summary>
        public void OnStarted(JobSpec started, JobProgress progress) => model.Update(state.Spec.JobId, s => Summaries.WithProgress(s, progress) with { Hosts = state.Hosts });

        public void OnFrameChanged(FrameChanged change, JobProgress progress) => model.Update(state.Spec.JobId, s =>
            Summaries.WithProgress(s, progress) with
            {
                LastFrame = change.To is FrameState.Done
                    ? new FinishedFrame(change.Frame, state.Spec.FramePath(change.Frame), change.Slot, change.RenderSeconds)
                    : s.LastFrame,
            });

        public void OnStatusChanged(JobStatusChanged change) => model.Update(state.Spec.JobId, s => s with
        {
            Reason = change.Status is JobStatus.Running ? null : change.Reason,
        });

        public void OnProgress(JobProgress progress) => model.Update(state.Spec.JobId, s => Summaries.WithProgress(s, progress));

        public void OnEnded(JobProgress progress) => model.Update(state.Spec.JobId, s => Summaries.WithProgress(s, progress));
    }
}
