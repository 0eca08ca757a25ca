using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Application.Queue;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application;

/// <summary>
/// What a user can do with jobs, whoever asks: the CLI and the JSON-RPC server both call these methods and only
/// translate arguments and results. Runs started here go on in the background; their status is kept in memory
/// (<see cref="JobReadModel"/>) and their stop requests go to the run directly. A job rendered by another process
/// is read from its journal and stopped through the job store. Thread-safe.
/// </summary>
public sealed partial class JobService(JobStore store, IJobEngine engine, TimeProvider time)
{
    /// <summary>How long a waiting cancel gives a run in another process to stop.</summary>
    public static readonly TimeSpan CancelPatience = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, LiveRun> _runs = new(StringComparer.Ordinal);
    private readonly JobReadModel _jobs = new(store);

    public JobStore Store { get; } = store;

    public int RunningJobs => _runs.Count;

    /// <summary>Every run still going, for a clean shutdown.</summary>
    public IEnumerable<Task> Runs => _runs.Values.Select(r => (Task)r.Completion.Task);

    /// <summary>Journal replays so far (the read model's; live jobs never need one).</summary>
    internal int JournalReads => _jobs.JournalReads;

    /// <summary>Finds a job by its id or a unique start of it; null means the newest.</summary>
    public string Resolve(string? idOrPrefix) => Store.Resolve(idOrPrefix);

    /// <summary>Checks and journals a new job, starts its run here, and returns once it renders.</summary>
    public async Task<RunningJob> SubmitAsync(SubmitJob request, IJobObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.JobId is { } id && _runs.ContainsKey(id))
        {
            throw new JobConflictException(JobMessages.AlreadyRenderingHere(id));
        }

        var prepared = await engine.PrepareAsync(request, cancellationToken).ConfigureAwait(false);
        return await StartAsync(prepared, observer).ConfigureAwait(false);
    }

    /// <summary>Takes a job that crashed, paused, failed or was cancelled, and carries it on here.</summary>
    public async Task<RunningJob> ResumeAsync(ResumeJob request, IJobObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureExists(request.JobId);
        if (_runs.ContainsKey(request.JobId))
        {
            throw new JobConflictException(JobMessages.AlreadyRenderingHere(request.JobId));
        }

        var prepared = await engine.PrepareResumeAsync(request, cancellationToken).ConfigureAwait(false)
            ?? throw new JobBusyException(JobMessages.Busy(request.JobId));
        return await StartAsync(prepared, observer).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a job: a run here is told directly, a run in another process through <see cref="RunChannel"/>, and a job nobody
    /// renders is marked cancelled in its journal. Done frames stay.
    /// </summary>
    public async Task<CancelResult> CancelAsync(CancelJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureExists(request.JobId);
        if (_runs.TryGetValue(request.JobId, out var run))
        {
            run.Control.Cancel(JobMessages.CancelledByUser);
            if (request.Wait)
            {
                await run.Completion.Task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }

            return new CancelResult(CancelEffect.Stopped, Describe(request.JobId));
        }

        return await CancelElsewhereAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pauses the job's run in this process (frames in flight go back to its queue); false when none runs here.</summary>
    public bool Pause(string jobId, string reason)
    {
        if (!_runs.TryGetValue(jobId, out var run))
        {
            return false;
        }

        run.Control.Pause(reason);
        return true;
    }

    /// <summary>
    /// Checks a new job and journals it as waiting in the farm's queue (<see cref="JobStatus.Queued"/>, or
    /// <see cref="JobStatus.Paused"/> with <paramref name="pausedReason"/>) without starting it: the queue starts it later.
    /// </summary>
    internal async Task<JobSpec> EnqueueAsync(SubmitJob request, string? pausedReason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.JobId is { } id && Store.Exists(id))
        {
            throw new JobConflictException(JobMessages.AlreadyExists(id));
        }

        var spec = await engine.CheckAsync(request, cancellationToken).ConfigureAwait(false);
        using var lease = Store.Create(spec);
        var state = JobState.New(spec);
        state.ChangeStatus(lease.Journal, JobStatus.Queued, time.GetUtcNow(), null);
        if (pausedReason is not null)
        {
            state.ChangeStatus(lease.Journal, JobStatus.Paused, time.GetUtcNow(), pausedReason);
        }

        return spec;
    }

    /// <summary>
    /// Journals a status change of a job no run holds, for the farm's queue: waiting again (<see cref="JobStatus.Queued"/>),
    /// paused while waiting, failed to start. Returns false, changing nothing, when the job already has that status, the
    /// job's rules do not allow the change, or a run (here or in another process) holds the job.
    /// </summary>
    internal bool ChangeWaitingStatus(string jobId, JobStatus to, string? reason)
    {
        if (_runs.ContainsKey(jobId))
        {
            return false;
        }

        using var lease = Store.TryTake(jobId);
        if (lease is null)
        {
            return false;
        }

        var state = Store.Read(jobId);
        if (state.Status == to || !JobTransitions.IsAllowed(state.Status, to))
        {
            return false;
        }

        state.ChangeStatus(lease.Journal, to, time.GetUtcNow(), reason);
        return true;
    }

    /// <summary>Starts a run of the job on places lent from the farm's pool; returns once it renders.</summary>
    internal async Task<RunningJob> StartPooledAsync(string jobId, IWorkersChoice pool, ChannelReader<SlotLoan> loans, IJobObserver observer)
    {
        if (_runs.ContainsKey(jobId))
        {
            throw new JobConflictException(JobMessages.AlreadyRenderingHere(jobId));
        }

        var prepared = await engine.PreparePooledAsync(jobId, pool, loans, CancellationToken.None).ConfigureAwait(false)
            ?? throw new JobBusyException(JobMessages.Busy(jobId));
        return await StartAsync(prepared, observer).ConfigureAwait(false);
    }

    /// <summary>Pauses every run of this process (Ctrl+C, the server stopping); returns how many were asked.</summary>
    public int PauseAll(string reason)
    {
        var runs = _runs.Values.ToList();
        foreach (var run in runs)
        {
            run.Control.Pause(reason);
        }

        return runs.Count;
    }

    /// <summary>Whether this process renders the job right now.</summary>
    public bool IsLive(string jobId) => _runs.ContainsKey(jobId);

    /// <summary>The job's status: from memory while this process renders it, else from its journal.</summary>
    /// <exception cref="KeyNotFoundException">There is no job with exactly this id.</exception>
    public JobSummary Describe(string jobId)
    {
        EnsureExists(jobId);
        return _jobs.Describe(jobId);
    }

    /// <summary>The summary and the journaled job, for views that list frames and slots.</summary>
    public (JobSummary Summary, JobState State) Inspect(string jobId) => (Describe(jobId), _jobs.Read(jobId));

    /// <summary>Every job, oldest first; the newest <paramref name="limit"/> only when given.</summary>
    public IReadOnlyList<JobListing> List(int? limit = null)
    {
        var ids = Store.JobIds();
        if (limit is > 0 and var newest)
        {
            ids = [.. ids.Skip(Math.Max(0, ids.Count - newest))];
        }

        var jobs = new List<JobListing>(ids.Count);
        foreach (var id in ids)
        {
            try
            {
                jobs.Add(new JobListing(id, _jobs.Describe(id), null));
            }
            catch (InvalidDataException e)
            {
                jobs.Add(new JobListing(id, null, e.Message));
            }
        }

        return jobs;
    }

    /// <summary>Throws <see cref="KeyNotFoundException"/> unless the store has a job with exactly this id.</summary>
    public void EnsureExists(string jobId)
    {
        if (!JobIdPattern().IsMatch(jobId) || !Store.Exists(jobId))
        {
            throw new KeyNotFoundException(JobMessages.NotFound(jobId, Store.JobsFolder));
        }
    }

    private async Task<RunningJob> StartAsync(IPreparedRun prepared, IJobObserver observer)
    {
        var spec = prepared.State.Spec;
        var run = new LiveRun();
        if (!_runs.TryAdd(spec.JobId, run))
        {
            await prepared.DisposeAsync().ConfigureAwait(false);
            throw new JobConflictException(JobMessages.AlreadyRenderingHere(spec.JobId));
        }

        var watchers = new Observers(_jobs.Track(prepared.State), observer);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            JobOutcome outcome;
            try
            {
                await using (prepared.ConfigureAwait(false))
                {
                    outcome = await prepared.RunAsync(watchers, run.Control, () => started.TrySetResult()).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                End(spec.JobId, run);
                run.Completion.TrySetException(e);
                return;
            }

            End(spec.JobId, run); // the job is released first, so whoever hears of the end can resume it at once
            run.Completion.TrySetResult(outcome);
        });
        await Task.WhenAny(started.Task, run.Completion.Task).ConfigureAwait(false);
        if (!started.Task.IsCompleted)
        {
            await run.Completion.Task.ConfigureAwait(false); // throws why it did not start
        }

        return new RunningJob(spec, run.Completion.Task);
    }

    private void End(string jobId, LiveRun run)
    {
        _jobs.Forget(jobId);
        _runs.TryRemove(new KeyValuePair<string, LiveRun>(jobId, run));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex JobIdPattern();

    private sealed class LiveRun
    {
        public RunControl Control { get; } = new();

        public TaskCompletionSource<JobOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Observers(params IJobObserver[] observers) : IJobObserver
    {
        public void OnStarted(JobSpec spec, JobProgress progress) => Each(o => o.OnStarted(spec, progress));

        public void OnFrameChanged(FrameChanged change, JobProgress progress) => Each(o => o.OnFrameChanged(change, progress));

        public void OnStatusChanged(JobStatusChanged change) => Each(o => o.OnStatusChanged(change));

        public void OnProgress(JobProgress progress) => Each(o => o.OnProgress(progress));

        public void OnEnded(JobProgress progress) => Each(o => o.OnEnded(progress));

        private void Each(Action<IJobObserver> call)
        {
            foreach (var observer in observers)
            {
                call(observer);
            }
        }
    }
}
