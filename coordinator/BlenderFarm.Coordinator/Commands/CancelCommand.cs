using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// <c>blenderfarm cancel [JOB]</c>: asks whoever renders the job to stop and waits for it; a job nobody is rendering
/// is marked cancelled in its journal directly. Frames already done stay. The job service does the cancelling.
/// </summary>
internal static class CancelCommand
{
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("cancel", arguments, CommandLine.NoOptions, CommandLine.NoOptions);
        var jobId = context.Jobs.Resolve(line.Single("JOB", required: false));
        var result = await context.Jobs.CancelAsync(new CancelJob(jobId, Wait: true), CancellationToken.None).ConfigureAwait(false);
        if (result.Effect is CancelEffect.Unreachable)
        {
            await Console.Error.WriteLineAsync("blenderfarm: " + JobMessages.Unreachable(jobId, result.Problem ?? "")).ConfigureAwait(false);
            return ExitCodes.Busy;
        }

        if (result.Effect is CancelEffect.StillRunning)
        {
            await Console.Error.WriteLineAsync("blenderfarm: " + JobMessages.StillRunning(jobId, Application.JobService.CancelPatience)).ConfigureAwait(false);
            return ExitCodes.Busy;
        }

        var job = result.Job;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Job {jobId} is {StatusCommand.Word(job.Phase)} with {job.Done}/{job.Total} frames done."));
        return ExitCodes.Ok;
    }
}
