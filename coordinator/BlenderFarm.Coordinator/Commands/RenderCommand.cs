using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm render FILE.blend [--frames SPEC] [--output DIR] [--workers local[:N]] [--chunk auto|N] [--blender PATH]</c></summary>
internal static class RenderCommand
{
    private static readonly HashSet<string> ValueOptions = ["frames", "output", "workers", "chunk", "blender", "job-id", "host", "identity", "known-hosts", "shared-storage", "mount-command", .. AwsSettings.Flags.Keys];
    private static readonly HashSet<string> FlagOptions = ["allow-missing", "accept-new-host-keys"];

    public static Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("render", arguments, ValueOptions, FlagOptions);
        var file = line.Single("FILE.blend", required: true)!;
        var hosts = line.Values("host");
        if (hosts.Count > 0 && line.Value("workers") is not null)
        {
            throw new UsageException("Give either --workers or --host, not both.");
        }

        return JobSubmission.SubmitAndRunAsync(context, new RenderRequest(
            file,
            line.Value("frames"),
            line.Value("output"),
            hosts.Count > 0 ? WorkersFrom(context, line, null) : WorkersFrom(context, line, line.Value("workers")).WithSharedStorage(line.Value("shared-storage"), line.Value("mount-command")),
            ParseChunk(line.Value("chunk")),
            line.Value("blender"),
            line.Flag("allow-missing"),
            line.Value("job-id"))
        {
            Hosts = hosts,
            SharedStorage = line.Value("shared-storage"),
            MountCommand = line.Value("mount-command"),
        });
    }

    /// <summary>The workers spec with the SSH options of the command line applied.</summary>
    public static WorkersSpec WorkersFrom(CliContext context, CommandLine line, string? workers) =>
        (WorkersSpec.Parse(workers) with { Ssh = SshSettings.FromCommandLine(line) }).WithAwsSettings(context.Store.Root, line);

    public static ChunkPolicy ParseChunk(string? text)
    {
        try
        {
            return text is null ? ChunkPolicy.Auto : ChunkPolicy.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }
    }
}
