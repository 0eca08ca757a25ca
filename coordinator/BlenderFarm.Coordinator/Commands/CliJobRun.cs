using System.Runtime.InteropServices;
using BlenderFarm.Application;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Coordinator.RunEndpoints;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// The CLI side of a run (<c>render</c>, <c>resume</c>, <c>demo</c>, <c>bench</c>): starts it through the job service
/// with the terminal's progress display, turns Ctrl+C into a pause, prints the run's sentence and returns its exit code.
/// </summary>
internal static class CliJobRun
{
    public static async Task<int> RunAsync(CliContext context, Func<JobService, IJobObserver, Task<RunningJob>> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var service = context.Jobs;
        void Pause(PosixSignalContext signal) => signal.Cancel = service.PauseAll(JobMessages.StoppedByUser) > 0;
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Pause);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Pause);
        var run = await start(service, new DisplayObserver(context.CreateProgressDisplay)).ConfigureAwait(false);
        JobOutcome outcome;
        await using (OpenEndpoint(context, run.Spec.JobId))
        {
            outcome = await run.Completion.ConfigureAwait(false);
        }

        await context.Out.WriteLineAsync(outcome.Message).ConfigureAwait(false);
        return ExitCode(outcome.Status);
    }

    /// <summary>
    /// Lets <c>blenderfarm cancel</c> in another process reach the run (<see cref="RunEndpoint"/>); a run that cannot
    /// listen renders all the same, and only Ctrl+C stops it.
    /// </summary>
    private static RunEndpoint? OpenEndpoint(CliContext context, string jobId)
    {
        var logger = context.Loggers.CreateLogger<RunEndpoint>();
        try
        {
            return RunEndpoint.Open(context.Jobs, jobId, logger);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or Blender.UserFacingException)
        {
            Log.Warning(logger, $"job {jobId} cannot be cancelled from another process: its run endpoint did not open ({e.Message}).");
            return null;
        }
    }

    public static int ExitCode(JobStatus status) => status switch
    {
        JobStatus.Completed => ExitCodes.Ok,
        JobStatus.Cancelled => ExitCodes.Cancelled,
        JobStatus.Paused => ExitCodes.Paused,
        _ => ExitCodes.JobFailed,
    };

    /// <summary>Feeds a run to the terminal's (or the log's) progress display, created when the run starts.</summary>
    private sealed class DisplayObserver(Func<IProgressDisplay> create) : IJobObserver
    {
        private readonly Lazy<IProgressDisplay> _display = new(create);

        public void OnStarted(JobSpec spec, JobProgress progress) => _display.Value.Refresh(progress);

        public void OnFrameChanged(FrameChanged change, JobProgress progress) => _display.Value.OnFrameChanged(change, progress);

        public void OnStatusChanged(JobStatusChanged change)
        {
        }

        public void OnProgress(JobProgress progress) => _display.Value.Refresh(progress);

        public void OnEnded(JobProgress progress)
        {
            _display.Value.Refresh(progress);
            _display.Value.Dispose();
        }
    }
}
