using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Application.Queue;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application;

/// <summary>
/// Stopping a run of another process (a one-shot <c>render</c> or <c>resume</c>): asked through
/// <see cref="RunChannel"/>, never a file, and on the other side, <see cref="StopHere"/>.
/// </summary>
public sealed partial class JobService
{
    /// <summary>How an ask of another process ended.</summary>
    private enum Asked
    {
        /// <summary>Nobody holds the job (any more): the caller's own answer applies.</summary>
        Unheld,
        Stopped,
        StillRunning,
        Unreachable,
    }

    /// <summary>
    /// Reaches runs of other processes (one-shot renders) to stop them; without it they cannot be stopped from here.
    /// </summary>
    public IRunChannel? RunChannel { get; init; }

    /// <summary>
    /// Pauses a job: a run here directly, a run in another process through <see cref="RunChannel"/>; its frames in
    /// flight go back to its queue and <c>resume</c> carries on. A job nobody renders is left as it is.
    /// </summary>
    public async Task<PauseResult> PauseAsync(PauseJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureExists(request.JobId);
        var jobId = request.JobId;
        if (_runs.TryGetValue(jobId, out var run))
        {
            run.Control.Pause(QueueMessages.PausedByUser);
            if (request.Wait)
            {
                await run.Completion.Task.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            }

            return new PauseResult(PauseEffect.Stopped, Describe(jobId));
        }

        var (asked, unheld, problem) = await AskElsewhereAsync(jobId, RunStop.Pause, QueueMessages.PausedByUser, request.Wait,
            () => Store.IsTaken(jobId) ? null : new PauseResult(PauseEffect.NotRendering, Describe(jobId)), cancellationToken).ConfigureAwait(false);
        return asked switch
        {
            Asked.Unheld => unheld!,
            Asked.Stopped => new PauseResult(PauseEffect.Stopped, Describe(jobId)),
            Asked.StillRunning => new PauseResult(PauseEffect.StillRunning, Describe(jobId)),
            _ => new PauseResult(PauseEffect.Unreachable, Describe(jobId), problem),
        };
    }

    /// <summary>
    /// Stops the job's run in this process as asked by another process (frames in flight go back to its queue);
    /// false when none runs here.
    /// </summary>
    public bool StopHere(string jobId, RunStop stop, string reason)
    {
        if (!_runs.TryGetValue(jobId, out var run))
        {
            return false;
        }

        if (stop is RunStop.Pause)
        {
            run.Control.Pause(reason);
        }
        else
        {
            run.Control.Cancel(reason);
        }

        return true;
    }

    /// <summary>A job with no run here: cancelled in its journal when nobody holds it, else its run is asked.</summary>
    private async Task<CancelResult> CancelElsewhereAsync(CancelJob request, CancellationToken cancellationToken)
    {
        var jobId = request.JobId;
        var (asked, unheld, problem) = await AskElsewhereAsync(jobId, RunStop.Cancel, JobMessages.CancelledByUser, request.Wait,
            () => TryCancelUnheld(jobId), cancellationToken).ConfigureAwait(false);
        return asked switch
        {
            Asked.Unheld => unheld!,
            Asked.Stopped => new CancelResult(CancelEffect.Stopped, Describe(jobId)),
            Asked.StillRunning => new CancelResult(CancelEffect.StillRunning, Describe(jobId)),
            _ => new CancelResult(CancelEffect.Unreachable, Describe(jobId), problem),
        };
    }

    /// <summary>
    /// Asks the process holding the job to stop its run (asked again while its endpoint is not up yet, as when its
    /// run is just starting), and with <paramref name="wait"/> waits until it lets the job go, for at most
    /// <see cref="CancelPatience"/>. <paramref name="whenUnheld"/> answers for a job nobody holds, or returns null
    /// when someone does.
    /// </summary>
    private async Task<(Asked Asked, T? Unheld, string? Problem)> AskElsewhereAsync<T>(
        string jobId, RunStop stop, string reason, bool wait, Func<T?> whenUnheld, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = time.GetUtcNow() + CancelPatience;
        RunReach? reach = null;
        while (true)
        {
            if (reach is not { Delivered: true } && whenUnheld() is { } unheld)
            {
                return (Asked.Unheld, unheld, null);
            }

            if (reach is { Delivered: true } && (!wait || !Store.IsTaken(jobId)))
            {
                return (Asked.Stopped, null, null);
            }

            if (reach is not { Delivered: true })
            {
                reach = RunChannel is null
                    ? RunReach.Failed("this coordinator has no way to reach other processes.")
                    : await RunChannel.AskToStopAsync(jobId, stop, reason, cancellationToken).ConfigureAwait(false);
                if (reach.Delivered)
                {
                    continue;
                }
            }

            if (time.GetUtcNow() > deadline)
            {
                return reach.Delivered ? (Asked.StillRunning, null, null) : (Asked.Unreachable, null, reach.Problem);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks the job cancelled in its journal if nobody holds it; null when another process does.</summary>
    private CancelResult? TryCancelUnheld(string jobId)
    {
        using var lease = Store.TryTake(jobId);
        if (lease is null)
        {
            return null;
        }

        var state = Store.Read(jobId);
        if (!JobTransitions.Cancellable.Contains(state.Status))
        {
            return new CancelResult(CancelEffect.Unchanged, Describe(jobId));
        }

        state.ChangeStatus(lease.Journal, JobStatus.Cancelled, time.GetUtcNow(), JobMessages.CancelledByUser);
        return new CancelResult(CancelEffect.Cancelled, Describe(jobId));
    }
}
