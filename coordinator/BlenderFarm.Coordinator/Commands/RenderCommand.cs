using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm render FILE.blend [--frames SPEC] [--output DIR] [--workers local[:N]] [--chunk auto|N] [--blender PATH]</c></summary>
internal static class RenderCommand
{
    private static readonly HashSet<string> ValueOptions = ["frames", "output", "workers", "chunk", "blender", "job-id"];
    private static readonly HashSet<string> FlagOptions = ["allow-missing"];

    public static Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("render", arguments, ValueOptions, FlagOptions);
        var file = line.Single("FILE.blend", required: true)!;
        return JobSubmission.SubmitAndRunAsync(context, new RenderRequest(
            file,
            line.Value("frames"),
            line.Value("output"),
            WorkersSpec.Parse(line.Value("workers")),
            ParseChunk(line.Value("chunk")),
            line.Value("blender"),
            line.Flag("allow-missing"),
            line.Value("job-id")));
    }

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
