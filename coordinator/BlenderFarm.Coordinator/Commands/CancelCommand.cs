using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// <c>blenderfarm cancel [JOB]</c>: asks the coordinator rendering the job to stop and waits for it; a job nobody
/// is rendering is marked cancelled in its journal directly. Frames already done stay.
/// </summary>
internal static class CancelCommand
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("cancel", arguments, CommandLine.NoOptions, CommandLine.NoOptions);
        var jobId = context.Store.Resolve(line.Single("JOB", required: false));
        using (var lease = context.Store.TryTake(jobId))
        {
            if (lease is not null)
            {
                var state = context.Store.Read(jobId);
                if (JobTransitions.Cancellable.Contains(state.Status))
                {
                    state.ChangeStatus(lease.Journal, JobStatus.Cancelled, context.Time.GetUtcNow(), "cancelled by the user");
                }

                return Report(context, jobId);
            }
        }

        context.Store.RequestCancel(jobId);
        var deadline = context.Time.GetUtcNow() + Patience;
        while (context.Store.IsTaken(jobId))
        {
            if (context.Time.GetUtcNow() > deadline)
            {
                await Console.Error.WriteLineAsync($"blenderfarm: job {jobId} was asked to stop but is still running after {Patience.TotalSeconds:0} s.").ConfigureAwait(false);
                return ExitCodes.Busy;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), context.Time).ConfigureAwait(false);
        }

        return Report(context, jobId);
    }

    private static int Report(CliContext context, string jobId)
    {
        var state = context.Store.Read(jobId);
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Job {jobId} is {state.Status.ToString().ToLowerInvariant()} with {state.Count(FrameState.Done)}/{state.Spec.Frames.Count} frames done."));
        return ExitCodes.Ok;
    }
}
