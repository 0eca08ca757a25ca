using System.Globalization;
using BlenderFarm.Blender.Output;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;

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
        output.WriteLine($"  Blender: {(spec.Scene.FileBlenderVersion is { } saved ? $"file saved by {saved}, " : "")}scene read by {spec.Scene.BlenderVersion} ({spec.BlenderPath})");
        output.WriteLine($"  Output:  {spec.OutputDirectory}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Frames:  {FrameSpec.Format(spec.Frames)} ({spec.Frames.Count})"));
        WriteCounts(output, state, running: job.Phase == JobPhase.Running);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Workers: {spec.Workers}, chunk {spec.Chunk}, runs {state.Runs}"));
        foreach (var host in state.Hosts)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  host {host.Name}: Blender {host.BlenderVersion}, {host.Slots} slot(s)"));
        }
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

    /// <summary>
    /// A running job's counts are its journal's. A job nobody runs is counted as resuming it would find it
    /// (<see cref="FrameFiles"/>, the run's own rule): a done frame whose file is gone is not done, and a verified file
    /// the journal lost (a crash, a journal cut in the middle of a record) is.
    /// </summary>
    private static void WriteCounts(TextWriter output, JobState state, bool running)
    {
        var total = state.Spec.Frames.Count;
        if (running)
        {
            var done = state.Count(FrameState.Done);
            var failed = state.Count(FrameState.Failed);
            var queued = state.Count(FrameState.Queued);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Done {done}, failed {failed}, queued {queued}, in flight {total - done - failed - queued}"));
            return;
        }

        var decisions = new FrameFiles(state.Spec, new SceneFrameVerifier(state.Spec.Scene)).OnResume(state);
        var doneAfter = decisions.Where(d => d.DoneAfterStart).Select(d => d.Frame).ToHashSet();
        var failedLeft = state.Frames.Count(f => f.State == FrameState.Failed && !doneAfter.Contains(f.Frame));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Done {doneAfter.Count}, failed {failedLeft}, queued {total - doneAfter.Count - failedLeft}, in flight 0"));
        var adopted = decisions.Count(d => d.AdoptedBytes is not null);
        if (adopted > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {adopted} of them: verified files the journal does not list yet; resume keeps them."));
        }

        var lost = state.Frames.Count(f => f.State == FrameState.Done && !doneAfter.Contains(f.Frame));
        if (lost > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {lost} frame(s) rendered earlier lost their file; resume renders them again."));
        }
    }

    /// <summary>How a phase reads in the CLI's listings and sentences.</summary>
    public static string Word(JobPhase phase) => phase.ToString().ToLowerInvariant();
}
