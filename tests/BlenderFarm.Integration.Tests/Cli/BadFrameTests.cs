using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>A frame that always crashes Blender is the frame's fault: it fails after attempts on both slots, every other frame is rendered.</summary>
[Category("Blender")]
public sealed class BadFrameTests
{
    [TestCase(new[] { 5 })]
    [TestCase(new[] { 3, 8 })]
    public async Task Frames_that_crash_Blender_fail_after_attempts_on_different_slots_and_every_other_frame_is_rendered(int[] bad)
    {
        using var workspace = new Workspace();
        var scene = workspace.PathOf("scene", "cursed.blend");
        await Support.Blender.MakeSceneAsync(scene, new { start = 1, end = 10, width = 32, height = 24, samples = 2, exit_on_frames = bad });
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync(
            "render", scene, "--workers", "local:2", "--chunk", "1", "--output", output, "--blender", AutoExecBlender(workspace));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var good = Enumerable.Range(1, 10).Except(bad).ToList();
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(good.Select(f => $"frame_{f:0000}.png")), result.ToString());
        var journal = new JournalView(workspace.Cli.Home, JournalView.SingleJobId(workspace.Cli.Home));
        Assert.That(journal.DoneCounts(), Is.EqualTo(good.ToDictionary(f => f, _ => 1)), "each good frame became done exactly once");
        var state = journal.State;
        foreach (var frame in bad)
        {
            Assert.That(state.Frame(frame).State, Is.EqualTo(FrameState.Failed));
            Assert.That(state.Frame(frame).LastError, Does.Contain($"Error: the scene cannot render frame {frame}"), "Blender's own words");
            var attempts = journal.Changes.Where(c => c.Frame == frame && c.From == FrameState.Rendering).Select(c => c.Slot).ToList();
            Assert.That(attempts, Has.Count.EqualTo(3), result.ToString());
            Assert.That(attempts.Distinct().Order(), Is.EqualTo(new[] { "local-1", "local-2" }), "tried on both slots");
            Assert.That(attempts[1], Is.Not.EqualTo(attempts[0]), "the second attempt went to the other slot");
        }

        Assert.That(state.RetiredSlots, Is.Empty, "no slot is blamed for the scene's bad frames");
        Assert.That(result.Stdout + result.Stderr, Does.Contain("Error: the scene cannot render frame " + bad[0]));
    }

    /// <summary>Blender with Python auto-execution on, so the scene's registered handler runs (the farm itself never asks for that).</summary>
    private static string AutoExecBlender(Workspace workspace)
    {
        var wrapper = workspace.PathOf("blender-autoexec.sh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec '{Support.Blender.Executable}' -y \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return wrapper;
    }
}
