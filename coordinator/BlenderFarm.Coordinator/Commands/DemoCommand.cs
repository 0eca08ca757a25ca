using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Demo;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Coordinator.Commands;

/// <summary><c>blenderfarm demo</c>: builds the bundled demo scene and renders it on this machine's slots.</summary>
internal static class DemoCommand
{
    private static readonly HashSet<string> ValueOptions = ["workers", "output", "frames", "blender", "chunk"];

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("demo", arguments, ValueOptions, CommandLine.NoOptions);
        line.Single("argument", required: false);
        var workers = WorkersSpec.Parse(line.Value("workers"));
        var blender = BlenderLocator.Find(line.Value("blender"));
        var blend = await DemoScene.EnsureAsync(blender, Path.Combine(context.Store.Root, "demo"), CancellationToken.None).ConfigureAwait(false);
        var output = line.Value("output") ?? Path.Combine(Environment.CurrentDirectory, "blenderfarm-demo");
        return await JobSubmission.SubmitAndRunAsync(context, new RenderRequest(
            blend, line.Value("frames"), output, workers, RenderCommand.ParseChunk(line.Value("chunk")), blender, AllowMissing: false, JobId: null)).ConfigureAwait(false);
    }
}
