using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm jobs</c>: every job, newest last.</summary>
internal static class JobsCommand
{
    public static int Run(CliContext context, IReadOnlyList<string> arguments)
    {
        CommandLine.Parse("jobs", arguments, CommandLine.NoOptions, CommandLine.NoOptions).Single("argument", required: false);
        var jobs = context.Jobs.List();
        if (jobs.Count == 0)
        {
            context.Out.WriteLine($"No jobs yet (they are kept in {context.Store.JobsFolder}).");
            return ExitCodes.Ok;
        }

        context.Out.WriteLine($"{"JOB",-22} {"STATUS",-12} {"DONE",-11} SCENE");
        foreach (var (id, job, unreadable) in jobs)
        {
            if (job is null)
            {
                context.Out.WriteLine($"{id,-22} {"unreadable",-12} {"-",-11} {unreadable}");
                continue;
            }

            var done = string.Create(CultureInfo.InvariantCulture, $"{job.Done}/{job.Total}");
            var cost = ProgressText.Cost(job.Cost) is { } usd ? " (" + usd + ")" : "";
            context.Out.WriteLine($"{id,-22} {StatusCommand.Word(job.Phase),-12} {done,-11} {job.BlendFile}{cost}");
        }

        return ExitCodes.Ok;
    }
}
