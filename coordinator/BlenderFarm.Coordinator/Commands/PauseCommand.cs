using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// <c>blenderfarm pause JOB...</c> with no farm running: asks the process rendering each job (a one-shot
/// <c>render</c> or <c>resume</c>) to pause it and waits for it; frames in flight go back to the queue and
/// <c>resume</c> carries on. The job service does the asking.
/// </summary>
internal static class PauseCommand
{
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> jobs)
    {
        var exit = ExitCodes.Ok;
        foreach (var given in jobs)
        {
            var jobId = context.Jobs.Resolve(given);
            var result = await context.Jobs.PauseAsync(new PauseJob(jobId, Wait: true), CancellationToken.None).ConfigureAwait(false);
            var (code, problem) = result.Effect switch
            {
                PauseEffect.Stopped => (ExitCodes.Ok, null),
                PauseEffect.NotRendering => (ExitCodes.BadInput, JobMessages.NotRendering(jobId)),
                PauseEffect.StillRunning => (ExitCodes.Busy, JobMessages.StillRunning(jobId, Application.JobService.CancelPatience)),
                _ => (ExitCodes.Busy, JobMessages.Unreachable(jobId, result.Problem ?? "")),
            };
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync("blenderfarm: " + problem).ConfigureAwait(false);
                exit = Math.Max(exit, code);
                continue;
            }

            var job = result.Job;
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Job {jobId} is {StatusCommand.Word(job.Phase)} with {job.Done}/{job.Total} frames done."));
        }

        return exit;
    }
}
