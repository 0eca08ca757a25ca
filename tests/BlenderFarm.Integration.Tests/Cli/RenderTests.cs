using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

[Category("Blender")]
public sealed class RenderTests
{
    [Test]
    public async Task Renders_every_frame_exactly_once_across_two_slots_and_the_frames_decode_at_the_scene_size()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "local:2", "--output", output);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = Enumerable.Range(1, 12).Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        Assert.That(Directory.GetFileSystemEntries(output).Order(), Is.EqualTo(expected), "the output folder holds exactly the frames, nothing else");
        var decoded = await Support.Blender.DecodeAsync(expected);
        Assert.That(expected.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 64 && d.Height == 48));

        var journal = new JournalView(workspace.Cli.Home, JournalView.SingleJobId(workspace.Cli.Home));
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)), "each frame became done exactly once");
        // Both slots get work; which one finishes which frame is the scheduler's choice (a faster slot takes the tail,
        // and may win a copy of a straggler), so a loaded machine may see every frame done by one of them.
        Assert.That(journal.Changes.Where(c => c.To == FrameState.Rendering).Select(c => c.Slot).Distinct().Order(), Is.EqualTo(new[] { "local-1", "local-2" }),
            "both slots were handed frames");
        Assert.That(result.Stdout, Does.Contain("completed: 12/12 frames"));
    }

    [Test]
    public async Task Renders_only_the_frames_the_spec_names_with_steps_and_lists()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "2-10x4,11", "--workers", "local:2", "--chunk", "2", "--output", output);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "frame_0002.png", "frame_0006.png", "frame_0010.png", "frame_0011.png" }));
    }

    [Test]
    public async Task Output_defaults_to_a_folder_next_to_the_blend_named_after_it()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace, "my scene");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "3", "--workers", "local:1");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(workspace.PathOf("my scene", "tiny-frames", "frame_0003.png")), Is.True, result.ToString());
    }

    [Test]
    public async Task A_scene_in_a_folder_with_spaces_quotes_dollars_and_unicode_renders()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace, "shot 'one' \"$HOME\" `x` é");
        var output = workspace.PathOf("out 'q' $x ü");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers", "local:1", "--output", output);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "frame_0001.png", "frame_0002.png" }));
    }
}
