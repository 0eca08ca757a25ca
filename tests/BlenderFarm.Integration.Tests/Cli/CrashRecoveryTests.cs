using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>Things die mid-job: a slot's Blender, the coordinator itself. Every frame still ends exactly once.</summary>
[Category("Blender")]
public sealed class CrashRecoveryTests
{
    private static readonly int[] AllFrames = [.. Enumerable.Range(1, 16)];

    [Test]
    public async Task Killing_one_slots_Blender_mid_job_still_renders_every_frame_exactly_once()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("frames");
        using var run = workspace.Cli.Start("render", scene, "--workers", "local:2", "--chunk", "3", "--output", output, "--job-id", "crash-slot");
        var journal = new JournalView(workspace.Cli.Home, "crash-slot");

        await Poll.UntilAsync(() => File.Exists(workspace.Cli.Home + "/jobs/crash-slot/journal.bfj")
            && journal.State.Frames.Any(f => f.State == FrameState.Rendering && f.Slot == "local-1")
            && journal.DoneCounts().Count >= 2, TimeSpan.FromMinutes(2), "local-1 is rendering and two frames are done");
        var victim = SlotProcesses.Find(scene).Single(p => p.Slot == "local-1");
        System.Diagnostics.Process.GetProcessById(victim.Pid).Kill();

        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.DoneCounts(), Is.EqualTo(AllFrames.ToDictionary(f => f, _ => 1)), "each frame became done exactly once");
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(AllFrames.Select(f => $"frame_{f:0000}.png")));
        var lost = journal.Changes.Where(c => c.Slot == "local-1" && c.Detail is not null && c.Detail.Contains("Blender was killed", StringComparison.Ordinal)).ToList();
        Assert.That(lost, Is.Not.Empty, "the journal records the frame the killed Blender was rendering going back to the queue");
        Assert.That(lost.Select(c => c.Frame), Has.All.Matches<int>(f => journal.State.Frame(f).State == FrameState.Done), "and that frame was rendered again");
    }

    [Test]
    public async Task Killing_the_coordinator_then_resuming_finishes_the_job_without_re_rendering_verified_frames()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("frames");
        var journal = new JournalView(workspace.Cli.Home, "crash-coordinator");
        using (var run = workspace.Cli.Start("render", scene, "--workers", "local:2", "--output", output, "--job-id", "crash-coordinator"))
        {
            await Poll.UntilAsync(() => File.Exists(workspace.Cli.Home + "/jobs/crash-coordinator/journal.bfj") && journal.DoneCounts().Count >= 4,
                TimeSpan.FromMinutes(2), "four frames are done");
            run.Process.Kill(); // SIGKILL: no chance to clean up or journal anything more
            await run.Process.WaitForExitAsync();
        }

        await SlotProcesses.WaitUntilGoneAsync(scene, TimeSpan.FromSeconds(10));
        var doneBefore = journal.State.Frames.Where(f => f.State == FrameState.Done).Select(f => f.Frame).ToList();
        var writtenBefore = doneBefore.ToDictionary(f => f, f => File.GetLastWriteTimeUtc(Path.Combine(output, $"frame_{f:0000}.png")));
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Running), "the journal still says running: the coordinator died");
        Assert.That((await workspace.Cli.RunAsync("status", "crash-coordinator")).Stdout, Does.Contain("interrupted"));

        var result = await workspace.Cli.RunAsync("resume", "crash-coordinator");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Completed));
        Assert.That(journal.State.Frames.Select(f => f.State), Has.All.EqualTo(FrameState.Done));
        Assert.That(journal.DoneCounts(), Is.EqualTo(AllFrames.ToDictionary(f => f, _ => 1)), "no frame counted twice");
        Assert.That(journal.FramesRenderedInRun(2), Has.None.AnyOf(doneBefore.Cast<object>().ToArray()), "the resumed run rendered none of the verified frames");
        foreach (var (frame, written) in writtenBefore)
        {
            Assert.That(File.GetLastWriteTimeUtc(Path.Combine(output, $"frame_{frame:0000}.png")), Is.EqualTo(written), $"frame {frame} was not rewritten");
        }

        Assert.That(Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(), Is.EqualTo(AllFrames.Select(f => $"frame_{f:0000}.png")));
    }

    [Test]
    public async Task A_done_frame_whose_file_was_deleted_is_rendered_again_on_resume()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");
        Assert.That((await workspace.Cli.RunAsync("render", scene, "--frames", "1-4", "--workers", "local:1", "--output", output, "--job-id", "gone")).ExitCode, Is.Zero);
        File.Delete(Path.Combine(output, "frame_0003.png"));

        var result = await workspace.Cli.RunAsync("resume", "gone");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(Path.Combine(output, "frame_0003.png")), Is.True);
        Assert.That(new JournalView(workspace.Cli.Home, "gone").FramesRenderedInRun(2), Is.EquivalentTo(new[] { 3 }));
    }
}
