using System.Globalization;
using System.Runtime.InteropServices;
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
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// One run of a job, first or resumed: builds the slots, opens the run in the journal, renders until every frame
/// ended, and turns Ctrl+C, a cancel request or a full disk into a journaled pause or cancel. Returns the exit code.
/// </summary>
internal sealed class JobRun(CliContext context)
{
    /// <param name="workforce">What to render on, made ready by <see cref="SlotFactory"/> before the run (disposed here).</param>
    public async Task<int> RunAsync(JobLease lease, JobState state, WorkersSpec workers, Workforce workforce)
    {
        ArgumentNullException.ThrowIfNull(workforce);
        var slots = workforce.Slots;
        var spec = state.Spec;
        var logger = context.Loggers.CreateLogger<JobRun>();
        var verifier = new SceneFrameVerifier(spec.Scene);
        var files = new FrameFiles(spec, verifier);
        var scheduler = new JobScheduler(state, lease.Journal, context.Time, WatchdogSettings.FromEnvironment(), slots.Select(s => s.Id));
        scheduler.StartRun(
            Environment.ProcessId,
            workers.ToString(),
            doneOutputIntact: files.DoneOutputIntact,
            verifiedOutputBytes: files.VerifiedOutputBytes);
        workforce.Fleet?.Start(scheduler, state);
        Log.JobStarting(logger, spec.JobId, scheduler.Progress().Total - scheduler.Progress().Done, spec.BlendFile, slots.Count,
            workers.Kind == "local" ? string.Create(CultureInfo.InvariantCulture, $"this machine, {workers.ThreadsPerSlot} thread(s) each") : workers.ToString(),
            spec.OutputDirectory);

        var display = context.CreateProgressDisplay();
        scheduler.FrameChanged += change => display.OnFrameChanged(change, scheduler.Progress());
        using var stop = new CancellationTokenSource();
        var cancelRequested = false;
        using var interrupt = OnInterrupt(stop);
        var watcher = WatchAsync(lease, scheduler, display, () => { cancelRequested = true; stop.Cancel(); }, stop.Token);

        var runner = new JobRunner(scheduler, slots, verifier, context.Loggers.CreateLogger<JobRunner>(), workforce.Fleet?.Slots);
        JobStatus status;
        string? pauseReason = null;
        try
        {
            await runner.RunAsync(stop.Token).ConfigureAwait(false);
            (status, pauseReason) = FinishAfterRun(scheduler, workforce.Fleet);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            status = cancelRequested
                ? scheduler.Finish(JobStatus.Cancelled, "cancelled by the user")
                : scheduler.Finish(JobStatus.Paused, "stopped by the user (Ctrl+C)");
        }
        catch (DiskFullException full)
        {
            Log.Warning(logger, full.Message);
            pauseReason = $"The disk holding {spec.OutputDirectory} is full: free some space, then run 'blenderfarm resume {spec.JobId}'.";
            status = TryFinish(scheduler, JobStatus.Paused, "disk full: " + full.Message);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
            display.Refresh(scheduler.Progress());
            display.Dispose(); // ends the live line before the summary is printed
            await workforce.DisposeAsync().ConfigureAwait(false); // cloud instances are terminated here, whatever happened
        }

        if (status is JobStatus.Completed or JobStatus.Cancelled)
        {
            RemoveStaging(spec);
        }

        return Summarize(context.Out, spec, context.Store.Read(spec.JobId), status, scheduler.Progress(), pauseReason);
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

    private static async Task WatchAsync(JobLease lease, JobScheduler scheduler, IProgressDisplay display, Action cancel, CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                display.Refresh(scheduler.Progress());
                if (lease.IsCancelRequested)
                {
                    cancel();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private static IDisposable OnInterrupt(CancellationTokenSource stop)
    {
        void Handler(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        return new Registrations(
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler));
    }

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

    private static void RemoveStaging(JobSpec spec)
    {
        try
        {
            Directory.Delete(Path.Combine(spec.OutputDirectory, JobRunner.StagingFolderName), recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover partial files do no harm; the next run of the job reuses the folder.
        }
    }

    private static int Summarize(TextWriter output, JobSpec spec, JobState state, JobStatus status, JobProgress progress, string? pauseReason)
    {
        var done = state.Count(FrameState.Done);
        var total = spec.Frames.Count;
        var elapsed = ProgressText.Duration(progress.Elapsed);
        switch (status)
        {
            case JobStatus.Completed:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Job {spec.JobId} completed: {done}/{total} frames in {elapsed} ({ProgressText.Rate(progress.FramesPerMinute)}){CostNote(state)}, in {spec.OutputDirectory}"));
                return ExitCodes.Ok;
            case JobStatus.Cancelled:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Job {spec.JobId} cancelled with {done}/{total} frames done, in {spec.OutputDirectory}"));
                return ExitCodes.Cancelled;
            case JobStatus.Paused:
                output.WriteLine(pauseReason ?? string.Create(CultureInfo.InvariantCulture,
                    $"Job {spec.JobId} paused with {done}/{total} frames done: run 'blenderfarm resume {spec.JobId}' to finish it."));
                return ExitCodes.Paused;
            default:
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Job {spec.JobId} failed with {done}/{total} frames done: {state.StatusReason}. Run 'blenderfarm resume {spec.JobId}' to try the rest again."));
                return ExitCodes.JobFailed;
        }
    }

    private static string CostNote(JobState state) => ProgressText.Cost(state.Cost) is { } cost
        ? string.Create(CultureInfo.InvariantCulture, $", {cost} on {state.Instances.Count} spot instance(s)")
        : "";

    private sealed class Registrations(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items)
            {
                item.Dispose();
            }
        }
    }
}
