using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Jobs;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Application.Queue;

/// <summary>
/// The farm's queue (<c>blenderfarm serve</c>): jobs wait in order of priority, then submit time, and share one pool
/// of <see cref="Slots"/> places. The first job in that order that is not paused gets every place; when a job with a
/// higher priority arrives, the places are recalled and each comes back as soon as its slot finishes the chunk it
/// renders (a frame in progress is never killed). A job with no frame left to start (only frames in flight) hands its
/// places on to the next job the same way, idle ones at once, and takes them back the same way if a frame is queued
/// again. A job whose run cannot start stays in the queue as failed, with the reason, and the next one goes on.
/// The queue is saved on every change, so a restart carries on with it. Each job waiting in it is journaled
/// <see cref="JobStatus.Queued"/>. The CLI's queue verbs and the RPC server call these methods. Thread-safe.
/// </summary>
public sealed class JobQueue
{
    private readonly JobService _service;
    private readonly IJobQueueStore _store;
    private readonly IWorkersChoice _pool;
    private readonly Func<string, IJobObserver> _observers;
    private readonly Action<RunningJob>? _started;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SlotLoan?[] _places;
    private long _nextOrder;
    private bool _stopping;

    /// <param name="pool">The workers each place runs (local Blender processes and their threads).</param>
    /// <param name="observers">Watches each job's run (the server's notifications).</param>
    /// <param name="started">Told of each run the queue starts (the server announces its end).</param>
    public JobQueue(
        JobService service, IJobQueueStore store, IWorkersChoice pool, int slots, Func<string, IJobObserver> observers, ILogger logger, Action<RunningJob>? started = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _started = started;
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _service = service;
        _store = store;
        _pool = pool;
        _observers = observers;
        _logger = logger;
        _places = new SlotLoan?[slots];
    }

    public int Slots => _places.Length;

    /// <summary>Places lent right now (never more than <see cref="Slots"/>).</summary>
    public int SlotsLent
    {
        get
        {
            lock (_lock)
            {
                return _places.Count(p => p is not null);
            }
        }
    }

    /// <summary>Jobs whose run is going now.</summary>
    public IEnumerable<Task> Runs
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries.Values.Select(e => e.Run).OfType<Task>()];
            }
        }
    }

    /// <summary>Loads the saved queue (dropping jobs that ended or are gone) and starts serving it.</summary>
    public void Start()
    {
        lock (_lock)
        {
            foreach (var job in _store.Load())
            {
                _nextOrder = Math.Max(_nextOrder, job.Order + 1);
                if (StillQueued(job))
                {
                    _entries[job.JobId] = new Entry(job);
                }
            }

            foreach (var entry in _entries.Values.Where(e => e.Job is { Paused: false, Failure: null }))
            {
                // A job paused by the farm's stop, or whose run died with the farm, waits again; a queued one stays queued.
                _service.ChangeWaitingStatus(entry.Job.JobId, JobStatus.Queued, null);
            }

            Save();
            Rebalance();
        }
    }

    /// <summary>Checks and journals a new job and puts it in the queue (paused: it keeps its place but waits); returns its place.</summary>
    public async Task<QueueEntry> SubmitAsync(SubmitJob request, int priority, bool paused, CancellationToken cancellationToken)
    {
        var spec = await _service.EnqueueAsync(request, paused ? QueueMessages.PausedByUser : null, cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            var entry = new Entry(new QueuedJob(spec.JobId, priority, _nextOrder++, paused));
            _entries[spec.JobId] = entry;
            Save();
            QueueLog.Queued(_logger, spec.JobId, priority);
            Rebalance();
            return Describe(entry);
        }
    }

    /// <summary>Every queued job in the order the farm serves them.</summary>
    public IReadOnlyList<QueueEntry> List()
    {
        lock (_lock)
        {
            return [.. Ordered().Select(Describe)];
        }
    }

    /// <summary>Moves a job in the queue; a higher priority than the rendering job's takes its slots at their next chunk.</summary>
    public QueueEntry SetPriority(string jobId, int priority)
    {
        lock (_lock)
        {
            var entry = Find(jobId);
            entry.Job = entry.Job with { Priority = priority };
            Save();
            Rebalance();
            return Describe(entry);
        }
    }

    /// <summary>
    /// Pauses jobs: their runs stop (frames in flight go back to their queues) and queued ones get no slot until
    /// resumed. A job this process renders outside the queue (the add-on's <c>job.submit</c>) is paused too.
    /// </summary>
    public IReadOnlyList<QueueEntry> Pause(IReadOnlyCollection<string> jobIds)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        lock (_lock)
        {
            if (jobIds.FirstOrDefault(id => !_entries.ContainsKey(id) && !_service.IsLive(id)) is { } unknown)
            {
                throw new KeyNotFoundException(QueueMessages.NotQueued(unknown));
            }

            if (jobIds.FirstOrDefault(id => _entries.TryGetValue(id, out var e) && e.Cancelling) is { } cancelling)
            {
                throw new JobConflictException(QueueMessages.BeingCancelled(cancelling));
            }

            var entries = jobIds.Where(_entries.ContainsKey).Select(id => _entries[id]).ToList();
            foreach (var entry in entries)
            {
                entry.Job = entry.Job with { Paused = true };
            }

            Save();
            foreach (var jobId in jobIds)
            {
                if (!_service.Pause(jobId, QueueMessages.PausedByUser) && _entries.TryGetValue(jobId, out var waiting) && waiting.Run is null)
                {
                    _service.ChangeWaitingStatus(jobId, JobStatus.Paused, QueueMessages.PausedByUser);
                }
            }

            Rebalance();
            return [.. entries.Select(Describe)];
        }
    }

    /// <summary>
    /// Lets paused jobs have slots again, all at once so the queue's order decides which renders first; a job that
    /// is not queued (paused, failed or cancelled by an earlier run) joins the queue at the end.
    /// </summary>
    public IReadOnlyList<QueueEntry> Resume(IReadOnlyCollection<string> jobIds)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        foreach (var jobId in jobIds)
        {
            _service.EnsureExists(jobId);
            if (_service.Describe(jobId).Phase is JobPhase.Completed)
            {
                throw new JobConflictException(JobMessages.AlreadyComplete(jobId));
            }
        }

        lock (_lock)
        {
            if (jobIds.FirstOrDefault(id => _entries.TryGetValue(id, out var e) && e.Cancelling) is { } cancelling)
            {
                throw new JobConflictException(QueueMessages.BeingCancelled(cancelling));
            }

            var entries = new List<Entry>();
            foreach (var jobId in jobIds)
            {
                if (!_entries.TryGetValue(jobId, out var entry))
                {
                    entry = new Entry(new QueuedJob(jobId, 0, _nextOrder++, Paused: false));
                    _entries[jobId] = entry;
                }

                entry.Job = entry.Job with { Paused = false, Failure = null };
                if (entry.Run is null)
                {
                    _service.ChangeWaitingStatus(jobId, JobStatus.Queued, null);
                }

                entries.Add(entry);
            }

            Save();
            Rebalance();
            return [.. entries.Select(Describe)];
        }
    }

    /// <summary>
    /// Cancels a job (through the service) and takes it out of the queue: at once when no run holds it, else when its
    /// run ends, journaled cancelled even when that run was paused first and ends paused. Done frames stay.
    /// </summary>
    public async Task<CancelResult> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(jobId, out var entry))
            {
                if (entry.Run is null)
                {
                    _entries.Remove(jobId);
                    Save();
                }
                else
                {
                    entry.Cancelling = true; // it gets no place again; its run's end takes it out
                    Rebalance();
                }
            }
        }

        return await _service.CancelAsync(new CancelJob(jobId, Wait: false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops lending places and pauses every run (resumable: the next start carries on); returns when they stopped.</summary>
    public async Task StopAsync()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        _service.PauseAll(JobMessages.StoppedByUser);
        await Task.WhenAll(Runs).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Whether a saved job stays in the queue: not completed or cancelled, and not failed unless its run failed to start here.</summary>
    private bool StillQueued(QueuedJob job)
    {
        try
        {
            return _service.Describe(job.JobId).Phase switch
            {
                JobPhase.Completed or JobPhase.Cancelled => false,
                JobPhase.Failed => job.Failure is not null,
                _ => true,
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidDataException)
        {
            return false;
        }
    }

    private Entry Find(string jobId) =>
        _entries.TryGetValue(jobId, out var entry) ? entry : throw new KeyNotFoundException(QueueMessages.NotQueued(jobId));

    private IEnumerable<Entry> Ordered() => _entries.Values.OrderByDescending(e => e.Job.Priority).ThenBy(e => e.Job.Order);

    private QueueEntry Describe(Entry entry)
    {
        var slots = _places.Count(p => p?.JobId == entry.Job.JobId); // a recalled place is the job's until it comes back
        var place = entry.Job.Failure is not null ? QueuePlace.Failed
            : entry.Job.Paused ? QueuePlace.Paused
            : entry.Run is not null && slots > 0 ? QueuePlace.Rendering
            : QueuePlace.Waiting;
        return new QueueEntry(entry.Job.JobId, entry.Job.Priority, place, slots, entry.Job.Failure);
    }

    private void Save() => _store.Save([.. Ordered().Select(e => e.Job)]);

    /// <summary>
    /// Gives free places to the first job in order that has frames to start (or, when none has, to the first job), and
    /// recalls the places other jobs hold. Under the lock.
    /// </summary>
    private void Rebalance()
    {
        if (_stopping)
        {
            return;
        }

        var open = Ordered().Where(e => e.Job is { Paused: false, Failure: null } && !e.Ending && !e.Cancelling).ToList();
        var target = open.FirstOrDefault(e => !(e.Run is not null && e.Drained)) ?? open.FirstOrDefault();
        for (var i = 0; i < _places.Length; i++)
        {
            if (_places[i] is not { } loan)
            {
                if (target is not null)
                {
                    Lend(i, target);
                }
            }
            else if (loan.JobId != target?.Job.JobId)
            {
                var handedOn = _entries.TryGetValue(loan.JobId, out var holder) && holder.Drained;
                loan.Recall(handedOn ? QueueMessages.SlotHandedOn : QueueMessages.SlotRecalled);
            }
        }
    }

    /// <summary>
    /// A run's counters, on the scheduler's thread: whether the job has frames left to start decides who gets the
    /// places, so a change re-balances them (on the thread pool: never inside the scheduler's lock).
    /// </summary>
    private void Seen(Entry entry, Domain.Scheduling.JobProgress progress)
    {
        if (entry.SetDrained(progress.Queued == 0 && progress.InFlight > 0))
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                lock (_lock)
                {
                    Rebalance();
                }
            }, null);
        }
    }

    private void Lend(int place, Entry entry)
    {
        var loan = new SlotLoan(place + 1, entry.Job.JobId, Returned);
        _places[place] = loan;
        if (entry.Loans is null)
        {
            entry.Loans = Channel.CreateUnbounded<SlotLoan>();
            entry.Run = Task.Run(() => RunAsync(entry, entry.Loans));
        }

        entry.Loans.Writer.TryWrite(loan);
    }

    private void Returned(SlotLoan loan)
    {
        lock (_lock)
        {
            if (ReferenceEquals(_places[loan.Number - 1], loan))
            {
                _places[loan.Number - 1] = null;
            }

            if (!loan.IsRecalled && _entries.TryGetValue(loan.JobId, out var entry) && entry.Run is not null)
            {
                entry.Ending = true; // a place given back unasked: the run is ending, it takes no more
            }

            Rebalance();
        }
    }

    private async Task RunAsync(Entry entry, Channel<SlotLoan> loans)
    {
        var jobId = entry.Job.JobId;
        JobStatus? ended = null;
        string? failure = null;
        try
        {
            var observer = new ProgressWatch(_observers(jobId), progress => Seen(entry, progress));
            var running = await _service.StartPooledAsync(jobId, _pool, loans.Reader, observer).ConfigureAwait(false);
            _started?.Invoke(running);
            ended = (await running.Completion.ConfigureAwait(false)).Status;
        }
        catch (Exception e)
        {
            QueueLog.RunFailed(_logger, e, jobId, e.Message);
            failure = e.Message;
        }

        var unused = new List<SlotLoan>();
        lock (_lock)
        {
            loans.Writer.TryComplete();
            while (loans.Reader.TryRead(out var loan))
            {
                unused.Add(loan);
            }

            unused.AddRange(_places.OfType<SlotLoan>().Where(l => l.JobId == jobId));
            entry.Loans = null;
            entry.Run = null;
            entry.Ending = false;
            entry.SetDrained(false);
            if (entry.Cancelling)
            {
                // Cancelled while its run went on: a run that took a pause first ends paused, and the cancel follows.
                _service.ChangeWaitingStatus(jobId, JobStatus.Cancelled, JobMessages.CancelledByUser);
                _entries.Remove(jobId);
            }
            else if (failure is not null && !_stopping)
            {
                // It stays in the queue, failed with the reason, until resumed or cancelled; the next job gets the places.
                entry.Job = entry.Job with { Failure = failure };
                _service.ChangeWaitingStatus(jobId, JobStatus.Failed, failure);
            }
            else if (ended is null or JobStatus.Completed or JobStatus.Cancelled or JobStatus.Failed)
            {
                _entries.Remove(jobId);
            }
            else if (ended == JobStatus.Paused && !_stopping)
            {
                entry.Job = entry.Job with { Paused = true }; // paused by the user, a full disk or the money limit
            }

            if (!_stopping)
            {
                Save();
            }

            QueueLog.RunEnded(_logger, jobId, ended?.ToString() ?? "an error");
        }

        foreach (var loan in unused)
        {
            loan.Return();
        }

        lock (_lock)
        {
            Rebalance();
        }
    }

    private sealed class Entry(QueuedJob job)
    {
        public QueuedJob Job { get; set; } = job;

        public Channel<SlotLoan>? Loans { get; set; }

        public Task? Run { get; set; }

        /// <summary>Its run gave a place back unasked (it ended, or stopped): it gets none until the run is over.</summary>
        public bool Ending { get; set; }

        /// <summary>Cancelled while its run went on: it leaves the queue when the run ends.</summary>
        public bool Cancelling { get; set; }

        private int _drained;

        /// <summary>Its run has no frame left to start, only frames in flight: the next job may have its places.</summary>
        public bool Drained => Volatile.Read(ref _drained) == 1;

        /// <summary>Sets <see cref="Drained"/>; true when that changed it.</summary>
        public bool SetDrained(bool drained) => Interlocked.Exchange(ref _drained, drained ? 1 : 0) != (drained ? 1 : 0);
    }
}
