using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm jobs</c>: every job, newest last.</summary>
internal static class JobsCommand
{
    public static int Run(CliContext context, IReadOnlyList<string> arguments)
    {
        CommandLine.Parse("jobs", arguments, CommandLine.NoOptions, CommandLine.NoOptions).Single("argument", required: false);
        var ids = context.Store.JobIds();
        if (ids.Count == 0)
        {
            context.Out.WriteLine($"No jobs yet (they are kept in {context.Store.JobsFolder}).");
            return ExitCodes.Ok;
        }

        context.Out.WriteLine($"{"JOB",-22} {"STATUS",-12} {"DONE",-11} SCENE");
        foreach (var id in ids)
        {
            try
            {
                var state = context.Store.Read(id);
                var done = string.Create(CultureInfo.InvariantCulture, $"{state.Count(FrameState.Done)}/{state.Spec.Frames.Count}");
                var cost = ProgressText.Cost(state.Cost) is { } usd ? " (" + usd + ")" : "";
                context.Out.WriteLine($"{id,-22} {JobDescription.StatusWord(context.Store, state),-12} {done,-11} {state.Spec.BlendFile}{cost}");
            }
            catch (InvalidDataException e)
            {
                context.Out.WriteLine($"{id,-22} {"unreadable",-12} {"-",-11} {e.Message}");
            }
        }

        return ExitCodes.Ok;
    }
}
