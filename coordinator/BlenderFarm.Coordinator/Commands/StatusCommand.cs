using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm status [JOB]</c>: one job's state from its journal.</summary>
internal static class StatusCommand
{
    public static int Run(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("status", arguments, CommandLine.NoOptions, CommandLine.NoOptions);
        var jobId = context.Jobs.Resolve(line.Single("JOB", required: false));
        var (job, state) = context.Jobs.Inspect(jobId);
        var spec = state.Spec;
        var output = context.Out;
        output.WriteLine($"Job {jobId}: {Word(job.Phase)}{(job.Reason is { } reason ? " (" + reason + ")" : "")}");
        output.WriteLine($"  Scene:   {spec.BlendFile} ('{spec.Scene.SceneName}', {spec.Scene.Width}x{spec.Scene.Height} {spec.Scene.FileFormat}, {spec.Scene.Engine})");
        output.WriteLine($"  Output:  {spec.OutputDirectory}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Frames:  {FrameSpec.Format(spec.Frames)} ({spec.Frames.Count})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Done {state.Count(FrameState.Done)}, failed {state.Count(FrameState.Failed)}, queued {state.Count(FrameState.Queued)}, in flight {spec.Frames.Count - state.Count(FrameState.Done) - state.Count(FrameState.Failed) - state.Count(FrameState.Queued)}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Workers: {spec.Workers}, chunk {spec.Chunk}, runs {state.Runs}"));
        if (ProgressText.Cost(state.Cost) is { } cost)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Cost:    {cost} on {state.Instances.Count} cloud instance(s)"));
        }

        foreach (var failed in state.Frames.Where(f => f.State == FrameState.Failed).Take(20))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frame {failed.Frame} failed after {failed.FailedAttempts} attempt(s): {failed.LastError}"));
        }

        foreach (var stuck in state.Frames.Where(f => f.State != FrameState.Failed && f.LastError?.StartsWith("stuck:", StringComparison.Ordinal) == true).Take(20))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frame {stuck.Frame} was {stuck.LastError} (now {stuck.State.ToString().ToLowerInvariant()})"));
        }

        foreach (var (slot, why) in state.RetiredSlots)
        {
            output.WriteLine($"  {slot} retired: {why}");
        }

        if (job.CanResume)
        {
            output.WriteLine($"  Run 'blenderfarm resume {jobId}' to finish it.");
        }

        return ExitCodes.Ok;
    }

    /// <summary>How a phase reads in the CLI's listings and sentences.</summary>
    public static string Word(JobPhase phase) => phase.ToString().ToLowerInvariant();
}
