namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// A running job's progress, published on a timer: a full snapshot (every slot's activity, linear in slots) every
/// interval on the given clock, and for each frame change only the counters (constant time) with the last snapshot's
/// slot activity. A farm of a thousand slots changes frames thousands of times a second; the display does not need that.
/// <paramref name="decorate"/> adds what the workers' side knows to each snapshot (a fleet's instance states); frame
/// changes carry the latest snapshot's.
/// </summary>
public sealed class ProgressFeed(JobScheduler scheduler, TimeProvider time, TimeSpan interval, Func<JobProgress, JobProgress>? decorate = null)
{
    /// <summary>How often a run's progress is published.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private volatile JobProgress? _latest;

    /// <summary>Builds a full snapshot now and keeps it as the latest.</summary>
    public JobProgress Publish()
    {
        var progress = scheduler.Progress();
        progress = decorate is null ? progress : decorate(progress);
        _latest = progress;
        return progress;
    }

    /// <summary>The counters as they are now, with the slots as the latest snapshot showed them: constant time.</summary>
    public JobProgress Current()
    {
        var latest = _latest;
        return latest is null ? scheduler.Progress([]) : scheduler.Progress(latest.Slots) with { Workers = latest.Workers };
    }

    /// <summary>Publishes a snapshot every interval on the clock and hands it to <paramref name="tick"/>, until cancelled.</summary>
    public async Task RunAsync(Action<JobProgress> tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                tick(Publish());
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
