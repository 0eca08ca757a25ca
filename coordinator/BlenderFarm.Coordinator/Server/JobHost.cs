using System.Collections.Concurrent;
using BlenderFarm.Application;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Storage;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using JobPhase = BlenderFarm.Protocol.JobPhase;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// The server's side of the job service: the same <see cref="JobService"/> the CLI uses (so each job is journaled
/// and resumable), the connections watching jobs, and the notifications they get. Thread-safe.
/// </summary>
internal sealed class JobHost
{
    private readonly ConcurrentDictionary<RpcSession, byte> _sessions = new();
    private readonly ILogger _logger;

    /// <param name="pool">The farm's pool its queue shares (local slots); the default local slots when null.</param>
    public JobHost(JobStore store, ILoggerFactory loggers, TimeProvider time, WorkersSpec? pool = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(store);
        _logger = loggers.CreateLogger<JobHost>();
        Time = time;
        Jobs = new CliContext(store, loggers, time, TextWriter.Null, progressOnTerminal: false)
        {
            UploadWatcher = jobId => new UploadNotifier(jobId, this),
        }.Jobs;
        Pool = pool ??= WorkersSpec.Parse(null);
        Queue = new JobQueue(Jobs, new FileJobQueueStore(store.Root), pool, pool.Slots,
            id => new RpcJobObserver(id, this, time), loggers.CreateLogger<JobQueue>(), AnnounceEnd);
    }

    public JobService Jobs { get; }

    /// <summary>What each place of the farm's pool runs (local Blender processes).</summary>
    public WorkersSpec Pool { get; }

    /// <summary>The farm's queue: jobs that share the pool, by priority.</summary>
    public JobQueue Queue { get; }

    public JobStore Store => Jobs.Store;

    public TimeProvider Time { get; }

    public int RunningJobs => Jobs.RunningJobs;

    public int Sessions => _sessions.Count;

    /// <summary>Every run that is still going, for a clean shutdown.</summary>
    public IEnumerable<Task> Runs => Jobs.Runs;

    public void Attach(RpcSession session) => _sessions[session] = 0;

    public void Detach(RpcSession session) => _sessions.TryRemove(session, out _);

    /// <summary>Starts a job (its id chosen by the caller) and returns once it is journaled and rendering.</summary>
    public async Task SubmitAsync(SubmitJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = await Jobs.SubmitAsync(request, new RpcJobObserver(request.JobId!, this, Time), cancellationToken).ConfigureAwait(false);
        AnnounceEnd(run);
    }

    /// <summary>Resumes a job in this process, on the workers it used.</summary>
    public async Task ResumeAsync(string jobId, CancellationToken cancellationToken)
    {
        var run = await Jobs.ResumeAsync(new ResumeJob(jobId, null, null), new RpcJobObserver(jobId, this, Time), cancellationToken).ConfigureAwait(false);
        AnnounceEnd(run);
    }

    /// <summary>The job's status in the protocol's terms; JobNotFound unless the store has exactly this id.</summary>
    public JobStatusInfo Describe(string jobId)
    {
        try
        {
            return JobStatusMapping.ToProtocol(Jobs.Describe(jobId));
        }
        catch (KeyNotFoundException e)
        {
            throw RpcErrors.Create(RpcErrorCode.JobNotFound, e.Message);
        }
    }

    /// <summary>Sends a notification to every connection watching the job; never waits for them.</summary>
    public void Publish(string jobId, string method, object payload)
    {
        foreach (var session in _sessions.Keys)
        {
            session.Notify(jobId, method, payload);
        }
    }

    private void AnnounceEnd(RunningJob run) =>
        _ = run.Completion.ContinueWith(t => Ended(run.Spec.JobId, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void Ended(string jobId, Task<JobOutcome> run)
    {
        var (phase, message) = run.IsCompletedSuccessfully
            ? (JobStatusMapping.Phase(run.Result.Status), run.Result.Message)
            : (JobPhase.Failed, JobMessages.StoppedOnError(jobId, run.Exception?.GetBaseException().Message ?? "the run stopped"));
        if (run.Exception is { } exception)
        {
            ServerLog.JobCrashed(_logger, exception, jobId);
        }

        ServerLog.JobEnded(_logger, jobId, phase.ToString(), message);
        Publish(jobId, Notifications.JobEnded, new JobEndedInfo { JobId = jobId, Phase = phase, Message = message, Status = Describe(jobId) with { Phase = phase } });
    }
}

/// <summary>Protocol errors with their numeric codes.</summary>
internal static class RpcErrors
{
    public static LocalRpcException Create(RpcErrorCode code, string message, object? data = null) =>
        new(message) { ErrorCode = (int)code, ErrorData = data };
}
