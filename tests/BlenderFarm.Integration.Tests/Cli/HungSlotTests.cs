using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>Hung is the new dead: a Blender that stops (SIGSTOP) without dying has its frame taken away and rendered elsewhere.</summary>
[Category("Blender")]
public sealed class HungSlotTests
{
    private static readonly int[] AllFrames = [.. Enumerable.Range(1, 16)];

    [Test]
    public async Task A_stopped_Blender_on_a_local_slot_is_killed_its_frame_requeued_within_a_minute_and_every_frame_rendered_once()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("frames");
        // Shorter than the defaults (5 and 15 minutes) so the test takes seconds; the rule is the same.
        workspace.Cli.Environment["BLENDERFARM_STUCK_FLOOR"] = "10";
        workspace.Cli.Environment["BLENDERFARM_FIRST_FRAME_STUCK_LIMIT"] = "30";
        using var run = workspace.Cli.Start("render", scene, "--workers", "local:2", "--chunk", "3", "--output", output, "--job-id", "hung-slot");
        var journal = new JournalView(workspace.Cli.Home, "hung-slot");
        await Poll.UntilAsync(() => File.Exists(workspace.Cli.Home + "/jobs/hung-slot/journal.bfj")
            && journal.State.Frames.Any(f => f.State == FrameState.Rendering && f.Slot == "local-1")
            && journal.DoneCounts().Count >= 2, TimeSpan.FromMinutes(2), "local-1 is rendering and two frames are done");
        var victim = SlotProcesses.Find(scene).Single(p => p.Slot == "local-1").Pid;
        var hungAt = DateTimeOffset.UtcNow;
        SlotProcesses.Signal("STOP", victim);
        try
        {
            var result = await run.WaitAsync(TimeSpan.FromMinutes(3));

            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(journal.DoneCounts(), Is.EqualTo(AllFrames.ToDictionary(f => f, _ => 1)), "each frame became done exactly once");
            Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(AllFrames.Select(f => $"frame_{f:0000}.png")));
            var stuck = journal.Changes.Where(c => c.Slot == "local-1" && c.Detail is not null && c.Detail.StartsWith("stuck: no progress", StringComparison.Ordinal)).ToList();
            Assert.That(stuck, Is.Not.Empty, result.ToString());
            Assert.That(stuck[0].From, Is.EqualTo(FrameState.Rendering));
            Assert.That(stuck[0].To, Is.EqualTo(FrameState.Queued));
            Assert.That(stuck[0].At - hungAt, Is.LessThan(TimeSpan.FromSeconds(60)), "requeued within a minute of the hang");
            Assert.That(journal.State.RetiredSlots, Is.Empty, "the slot started a new Blender and went on");
            Assert.That(SlotProcesses.Exists(victim), Is.False, "the stopped Blender was killed");
        }
        finally
        {
            if (SlotProcesses.Exists(victim))
            {
                SlotProcesses.Signal("KILL", victim);
            }
        }
    }
}
