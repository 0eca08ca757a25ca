using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;

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
        var jobId = context.Jobs.Resolve(line.Single("JOB", required: false));
        var workers = WorkersFor(context, line, context.Jobs.Inspect(jobId).State.Spec);
        try
        {
            return await CliJobRun.RunAsync(context, (service, observer) =>
                service.ResumeAsync(new ResumeJob(jobId, workers, line.Value("blender")), observer, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (JobBusyException busy)
        {
            await Console.Error.WriteLineAsync("blenderfarm: " + busy.Message).ConfigureAwait(false);
            return ExitCodes.Busy;
        }
    }

    /// <summary>
    /// The workers a resumed job renders on: what the command line says, else what the job used, with the shared storage kept in the job's folder.
    /// </summary>
    public static WorkersSpec WorkersFor(CliContext context, CommandLine? line, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        line ??= CommandLine.Parse("resume", [], ValueOptions, FlagOptions);
        var workers = RenderCommand.WorkersFrom(context, line, line.Value("workers") ?? spec.Workers);
        var sharedFile = JobSubmission.SharedStorageFile(context, spec.JobId);
        if (line.Value("shared-storage") is null && line.Value("workers") is null && File.Exists(sharedFile))
        {
            var kept = System.Text.Json.JsonSerializer.Deserialize<BlenderFarm.Workers.Ssh.Sync.SharedStorage>(File.ReadAllText(sharedFile))!;
            return workers.WithSharedStorage(kept.Folder, kept.MountCommand);
        }

        return workers.WithSharedStorage(line.Value("shared-storage"), line.Value("mount-command"));
    }
}
