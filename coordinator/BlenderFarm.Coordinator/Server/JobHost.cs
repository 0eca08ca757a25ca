using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// The jobs this server renders, each through the same JobSubmission/JobRun machinery as the CLI (so each is
/// journaled and resumable), and the connections watching them. Thread-safe.
/// </summary>
internal sealed partial class JobHost(JobStore store, ILoggerFactory loggers, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LiveJob> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RpcSession, byte> _sessions = new();
    private readonly ILogger _logger = loggers.CreateLogger<JobHost>();

    public JobStore Store { get; } = store;

    public TimeProvider Time { get; } = time;

    public int RunningJobs => _live.Count;

    public int Sessions => _sessions.Count;

    /// <summary>Every run that is still going, for a clean shutdown.</summary>
    public IEnumerable<Task> Runs => _live.Values.Select(j => j.Run).OfType<Task>();

    public void Attach(RpcSession session) => _sessions[session] = 0;

    public void Detach(RpcSession session) => _sessions.TryRemove(session, out _);

    /// <summary>Starts a job and returns once it is journaled and rendering; a refused job throws its one sentence.</summary>
    public Task<JobSpec> SubmitAsync(RenderRequest request) =>
        StartAsync(request.JobId!, context => JobSubmission.SubmitAndRunAsync(context, request));

    /// <summary>Resumes a job in this process, like <c>blenderfarm resume</c>.</summary>
    public Task<JobSpec> ResumeAsync(string jobId) =>
        StartAsync(jobId, context => ResumeCommand.RunAsync(context, [jobId]));

    public bool IsLive(string jobId) => _live.ContainsKey(jobId);

    /// <summary>The job's status: live figures while this process renders it, its journal otherwise.</summary>
    public JobStatusInfo Describe(string jobId)
    {
        EnsureExists(jobId);
        var state = Store.Read(jobId);
        return _live.TryGetValue(jobId, out var live) && live.Progress is { } progress
            ? JobStatusMapping.FromLive(Store, state, progress, live.LastFrame)
            : JobStatusMapping.FromJournal(Store, state) is var journal && live is not null
                ? journal with { Phase = JobPhase.Running, Reason = null, Live = true }
                : JobStatusMapping.FromJournal(Store, state);
    }

    /// <summary>Throws JobNotFound unless the store has a job with exactly this id.</summary>
    public void EnsureExists(string jobId)
    {
        if (!JobIdPattern().IsMatch(jobId) || !File.Exists(Store.JournalPath(jobId)))
        {
            throw RpcErrors.Create(RpcErrorCode.JobNotFound, $"There is no job '{jobId}' in {Store.JobsFolder}.");
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

    private async Task<JobSpec> StartAsync(string jobId, Func<CliContext, Task<int>> run)
    {
        var live = new LiveJob(jobId);
        if (!_live.TryAdd(jobId, live))
        {
            throw RpcErrors.Create(RpcErrorCode.JobStateConflict, $"Job {jobId} is already rendering in this coordinator.");
        }

        var context = new CliContext(Store, loggers, Time, live.Output, progressOnTerminal: false,
            progressDisplay: () =>
            {
                live.MarkStarted(Store.Read(jobId).Spec);
                return new RpcProgressDisplay(live, this, Time);
            });
        live.Run = Task.Run(() => run(context));
        _ = live.Run.ContinueWith(t => Ended(live, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var first = await Task.WhenAny(live.Started, live.Run).ConfigureAwait(false);
        if (first == live.Started)
        {
            return await live.Started.ConfigureAwait(false);
        }

        var code = await live.Run.ConfigureAwait(false); // Throws the refusal, if that is why it ended.
        throw code == ExitCodes.Busy
            ? RpcErrors.Create(RpcErrorCode.JobBusy, $"Job {jobId} is being rendered by another blenderfarm process.")
            : RpcErrors.Create(RpcErrorCode.InvalidJob, FirstLine(live.Output.ToString()) ?? $"Job {jobId} did not start (exit code {code}).");
    }

    private void Ended(LiveJob live, Task<int> run)
    {
        _live.TryRemove(live.JobId, out _);
        if (!live.Started.IsCompleted)
        {
            return; // Refused before it started: the submitter got the error.
        }

        var message = FirstLine(live.Output.ToString())
            ?? (run.Exception?.GetBaseException().Message is { } error ? $"Job {live.JobId} stopped on an error: {error}" : $"Job {live.JobId} ended.");
        var status = Describe(live.JobId);
        var phase = run.IsCompletedSuccessfully
            ? run.Result switch
            {
                ExitCodes.Ok => JobPhase.Completed,
                ExitCodes.Cancelled => JobPhase.Cancelled,
                ExitCodes.Paused => JobPhase.Paused,
                _ => JobPhase.Failed,
            }
            : JobPhase.Failed;
        if (run.Exception is { } exception)
        {
            ServerLog.JobCrashed(_logger, exception, live.JobId);
        }

        ServerLog.JobEnded(_logger, live.JobId, phase.ToString(), message);
        Publish(live.JobId, Notifications.JobEnded, new JobEndedInfo { JobId = live.JobId, Phase = phase, Message = message, Status = status with { Phase = phase } });
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex JobIdPattern();
}

/// <summary>Protocol errors with their numeric codes.</summary>
internal static class RpcErrors
{
    public static LocalRpcException Create(RpcErrorCode code, string message, object? data = null) =>
        new(message) { ErrorCode = (int)code, ErrorData = data };
}
