using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// <c>blenderfarm resume [JOB]</c>: carries on a job that crashed, paused, failed or was cancelled. Frames already
/// verified are kept; frames whose file went missing, failed frames and frames left in flight are rendered.
/// </summary>
internal static class ResumeCommand
{
    private static readonly HashSet<string> ValueOptions = ["workers", "blender", "identity", "known-hosts", "shared-storage", "mount-command", .. AwsSettings.Flags.Keys];
    private static readonly HashSet<string> FlagOptions = ["accept-new-host-keys"];

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("resume", arguments, ValueOptions, FlagOptions);
        var jobId = context.Store.Resolve(line.Single("JOB", required: false));
        using var lease = context.Store.TryTake(jobId);
        if (lease is null)
        {
            await Console.Error.WriteLineAsync($"blenderfarm: job {jobId} is being rendered by another blenderfarm process; 'blenderfarm status {jobId}' shows its progress.").ConfigureAwait(false);
            return ExitCodes.Busy;
        }

        var state = context.Store.Read(jobId);
        var spec = state.Spec;
        if (!File.Exists(spec.BlendFile))
        {
            throw new UserFacingException($"The job's scene {spec.BlendFile} is gone: put it back to resume job {jobId}.");
        }

        var workers = RenderCommand.WorkersFrom(context, line, line.Value("workers") ?? spec.Workers);
        var sharedFile = JobSubmission.SharedStorageFile(context, jobId);
        if (line.Value("shared-storage") is null && line.Value("workers") is null && File.Exists(sharedFile))
        {
            var kept = System.Text.Json.JsonSerializer.Deserialize<BlenderFarm.Workers.Ssh.Sync.SharedStorage>(await File.ReadAllTextAsync(sharedFile).ConfigureAwait(false))!;
            workers = workers.WithSharedStorage(kept.Folder, kept.MountCommand);
        }
        else
        {
            workers = workers.WithSharedStorage(line.Value("shared-storage"), line.Value("mount-command"));
        }
        var blender = line.Value("blender") is { } chosen || !File.Exists(spec.BlenderPath)
            ? BlenderLocator.Find(line.Value("blender"))
            : spec.BlenderPath;
        JobSubmission.PrepareOutputFolder(spec.OutputDirectory);
        var workforce = await SlotFactory.CreateAsync(context, workers, spec, blender, CancellationToken.None).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"Resuming job {jobId} on {workers}").ConfigureAwait(false);
        return await new JobRun(context).RunAsync(lease, state, workers, workforce).ConfigureAwait(false);
    }
}
