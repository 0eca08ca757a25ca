using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>The README's main command: the bundled demo scene renders on local slots.</summary>
[Category("Blender")]
public sealed class DemoTests
{
    [Test]
    public async Task The_demo_scene_is_built_by_Blender_and_renders_frames_that_decode()
    {
        using var workspace = new Workspace();
        var output = workspace.PathOf("demo out");

        var result = await workspace.Cli.RunAsync("demo", "--frames", "1-2", "--output", output);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var frames = new[] { "demo_0001.png", "demo_0002.png" }.Select(f => Path.Combine(output, f)).ToList();
        Assert.That(Directory.GetFiles(output).Order(), Is.EqualTo(frames));
        var decoded = await Support.Blender.DecodeAsync(frames);
        Assert.That(frames.Select(f => decoded[f]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 480 && d.Height == 270 && d.Mean > 0.05),
            "480x270 frames with something lit in them");
        Assert.That(File.Exists(Path.Combine(workspace.Cli.Home, "demo", "demo.blend")), Is.True, "the demo scene is kept for next time");
    }
}
