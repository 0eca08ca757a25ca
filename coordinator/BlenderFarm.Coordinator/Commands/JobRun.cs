using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Blender.Output;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Running;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Storage;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// One run of a job, first or resumed: opens the run in the journal, renders until every frame ended, and turns a
/// stop request (cancel or pause, from this process or through its run endpoint) or a full disk into a journaled
/// status. Returns how it ended with the one sentence that tells the user (the CLI prints it, the server sends it in job.ended).
/// </summary>
internal sealed class JobRun(CliContext context)
{
    /// <param name="workforce">What to render on, made ready by <see cref="SlotFactory"/> before the run (disposed here).</param>
    /// <param name="started">Called once the run is journaled and its slots are about to start.</param>
    public async Task<JobOutcome> RunAsync(
        JobLease lease, JobState state, WorkersSpec workers, Workforce workforce, IJobObserver observer, RunControl control, Action started)
    {
        ArgumentNullException.ThrowIfNull(workforce);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(started);
        var spec = state.Spec;
        var logger = context.Loggers.CreateLogger<JobRun>();
        var verifier = new SceneFrameVerifier(spec.Scene);
        var files = new FrameFiles(spec, verifier);
        var scheduler = new JobScheduler(state, lease.Journal, context.Time, SchedulerOptionsFor(workforce), workforce.Slots.Select(s => s.Id));
        state.StatusChanged += observer.OnStatusChanged;
        try
        {
            scheduler.StartRun(
                Environment.ProcessId,
                workers.ToString(),
                doneOutputIntact: files.DoneOutputIntact,
                verifiedOutputBytes: files.VerifiedOutputBytes,
                hosts: workforce.Hosts);
            workforce.Fleet?.Start(scheduler, state);
            workforce.Pooled?.Attach(scheduler);
            var fleet = workforce.Fleet;
            var feed = new ProgressFeed(scheduler, context.Time, ProgressFeed.DefaultInterval,
                fleet is null ? null : progress => progress with { Workers = fleet.Activity });
            var first = feed.Publish();
            Log.JobStarting(logger, spec.JobId, first.Total - first.Done, spec.BlendFile, workforce.Slots.Count,
                workers.Kind == "local" ? string.Create(CultureInfo.InvariantCulture, $"this machine, {workers.ThreadsPerSlot} thread(s) each") : workers.ToString(),
                spec.OutputDirectory);
            // Per change only the counters (constant time); the full snapshot with every slot comes on the timer.
            scheduler.FrameChanged += change => observer.OnFrameChanged(change, feed.Current());
            observer.OnStarted(spec, first);
            started();
            return await RenderAsync(state, workforce, observer, control, scheduler, feed, verifier, logger).ConfigureAwait(false);
        }
        finally
        {
            state.StatusChanged -= observer.OnStatusChanged;
        }
    }

    private async Task<JobOutcome> RenderAsync(
        JobState state, Workforce workforce, IJobObserver observer, RunControl control, JobScheduler scheduler, ProgressFeed feed,
        SceneFrameVerifier verifier, ILogger logger)
    {
        var spec = state.Spec;
        using var watching = new CancellationTokenSource();
        var watcher = WatchAsync(feed, observer, watching.Token);
        var frames = new FileFrameStore(spec);
        var runner = new JobRunner(scheduler, workforce.Slots, verifier, frames, context.Loggers.CreateLogger<JobRunner>(), workforce.Joining);
        JobStatus status;
        string? pauseReason = null;
        try
        {
            await runner.RunAsync(control.Token).ConfigureAwait(false);
            (status, pauseReason) = FinishAfterRun(scheduler, workforce.Fleet);
        }
        catch (OperationCanceledException) when (control.TakeStop() is { } stop)
        {
            status = scheduler.Finish(stop.Status, stop.Reason);
        }
        catch (DiskFullException full)
        {
            Log.Warning(logger, full.Message);
            pauseReason = $"The disk holding {spec.OutputDirectory} is full: free some space, then run 'blenderfarm resume {spec.JobId}'.";
            status = TryFinish(scheduler, JobStatus.Paused, "disk full: " + full.Message);
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
            observer.OnEnded(scheduler.Progress()); // ends the live line before the summary is printed
            await workforce.DisposeAsync().ConfigureAwait(false); // cloud instances are terminated here, whatever happened
        }

        if (status is JobStatus.Completed or JobStatus.Cancelled)
        {
            frames.RemoveStaging();
        }

        return new JobOutcome(spec.JobId, status, Summarize(spec, state, status, scheduler.Progress(), pauseReason));
    }

    /// <summary>The watchdog's limits, and for a cloud fleet the stricter copy rule (a copy must save as long as it runs).</summary>
    private static SchedulerOptions SchedulerOptionsFor(Workforce workforce)
    {
        var options = WatchdogSettings.FromEnvironment();
        return workforce.Fleet is null ? options : options.WithCopySaving(SchedulerOptions.CloudCopySaving);
    }

    /// <summary>How the run ended when the runner returned: as the scheduler sees it, unless the fleet stopped early.</summary>
    private static (JobStatus Status, string? PauseReason) FinishAfterRun(JobScheduler scheduler, BlenderFarm.Workers.Aws.Fleet.SpotFleet? fleet)
    {
        var progress = scheduler.Progress();
        if (fleet is not { StopReason: { } reason } || progress.Done + progress.Failed == progress.Total)
        {
            return (scheduler.Finish(), null);
        }

        if (fleet.BudgetReached)
        {
            var jobId = scheduler.Spec.JobId;
            return (scheduler.Finish(JobStatus.Paused, reason), string.Create(CultureInfo.InvariantCulture,
                $"Job {jobId} paused with {progress.Done}/{progress.Total} frames done: {reason}. Resume with a higher limit: blenderfarm resume {jobId} --max-cost AMOUNT"));
        }

        return (scheduler.Finish(JobStatus.Failed, reason), null);
    }

    /// <summary>Refreshes the observers four times a second on the coordinator's clock.</summary>
    private static Task WatchAsync(ProgressFeed feed, IJobObserver observer, CancellationToken token) =>
        feed.RunAsync(observer.OnProgress, token);

    private static JobStatus TryFinish(JobScheduler scheduler, JobStatus status, string reason)
    {
        try
        {
            return scheduler.Finish(status, reason);
        }
        catch (IOException)
        {
            return status; // The journal cannot grow; the next run sees the job as interrupted and carries on.
        }
    }

    /// <summary>The one sentence that tells the user how the run ended.</summary>
    private static string Summarize(JobSpec spec, JobState state, JobStatus status, JobProgress progress, string? pauseReason)
    {
        var done = state.Count(FrameState.Done);
        var total = spec.Frames.Count;
        var elapsed = ProgressText.Duration(progress.Elapsed);
        return status switch
        {
            JobStatus.Completed => string.Create(CultureInfo.InvariantCulture,
                $"Job {spec.JobId} completed: {done}/{total} frames in {elapsed} ({ProgressText.Rate(progress.FramesPerMinute)}){CostNote(state)}, in {spec.OutputDirectory}"),
            JobStatus.Cancelled => string.Create(CultureInfo.InvariantCulture,
                $"Job {spec.JobId} cancelled with {done}/{total} frames done, in {spec.OutputDirectory}"),
            JobStatus.Paused => pauseReason ?? string.Create(CultureInfo.InvariantCulture,
                $"Job {spec.JobId} paused with {done}/{total} frames done: run 'blenderfarm resume {spec.JobId}' to finish it."),
            _ => string.Create(CultureInfo.InvariantCulture,
                $"Job {spec.JobId} failed with {done}/{total} frames done: {state.StatusReason}. Run 'blenderfarm resume {spec.JobId}' to try the rest again."),
        };
    }

    private static string CostNote(JobState state) => ProgressText.Cost(state.Cost) is { } cost
        ? string.Create(CultureInfo.InvariantCulture, $", {cost} on {state.Instances.Count} spot instance(s)")
        : "";
}
