using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>
/// Copies of stragglers, on a fake clock: with nothing queued, an idle slot renders a copy of the frame a slow slot is
/// still on; the first copy rendered wins, the other is stopped, and the journal shows one Done per frame.
/// </summary>
[TestFixture]
public sealed class JobSchedulerCopyTests
{
    /// <summary>
    /// Slot "slow" holds frame 1 from the start; "fast" renders frames 2-4 in 10 s each. At 30 s nothing is queued
    /// and frame 1 has run three times as long as a frame takes.
    /// </summary>
    private static (SchedulerHarness H, List<(string Slot, int Frame)> Stopped) SlowFrameAtTheTail(SchedulerOptions? options = null)
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), ChunkPolicy.Auto, ["slow", "fast"], options);
        var stopped = new List<(string, int)>();
        h.Scheduler.CopyNotNeeded += (slot, frame) => stopped.Add((slot, frame));
        Assert.That(h.Take("slow"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Scheduler.FrameStarted("slow", 1), Is.True);
        foreach (var frame in new[] { 2, 3, 4 })
        {
            Assert.That(h.Take("fast"), Is.EqualTo(new[] { frame }));
            h.Render("fast", frame, seconds: 10);
        }

        return (h, stopped);
    }

    [Test]
    public void An_idle_slot_gets_a_copy_of_the_straggler_and_the_copy_rendered_first_wins()
    {
        var (h, stopped) = SlowFrameAtTheTail();
        var records = h.Journal.Records.Count;

        Assert.That(h.Take("fast"), Is.EqualTo(new[] { 1 }), "a copy of the slow slot's frame");
        Assert.That(h.Journal.Records, Has.Count.EqualTo(records), "a copy is not a transition: the frame stays with its slot");
        Assert.That((h.Frame(1).State, h.Frame(1).Slot), Is.EqualTo((Rendering, "slow")));

        h.Render("fast", 1, seconds: 10);

        Assert.That(stopped, Is.EqualTo(new[] { ("slow", 1) }), "the slow slot's copy is stopped");
        Assert.That(h.Scheduler.FrameRendered("slow", 1, 45), Is.False, "its late result is not taken");
        Assert.That(h.Scheduler.FrameCompleted("slow", 1, 1000), Is.False);
        Assert.That(h.Journal.FrameChanges.Count(c => c.Frame == 1 && c.To == Done), Is.EqualTo(1), "one Done");
        var won = h.Journal.ChangesOf(1).Single(c => c.To == Transferring);
        Assert.Multiple(() =>
        {
            Assert.That((won.From, won.Slot), Is.EqualTo((Rendering, "fast")));
            Assert.That(won.Detail, Is.EqualTo("a copy rendered first here; the copy on slow was not needed and is stopped"));
            Assert.That(h.Frame(1).Slot, Is.EqualTo("fast"));
            Assert.That(h.Scheduler.IsFinished, Is.True);
        });
        h.Scheduler.ReleaseAll("slow", "returned: frame 1 was rendered first by another slot");
        Assert.That(h.Frame(1).State, Is.EqualTo(Done), "stopping the loser changes nothing");
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void When_the_original_renders_first_the_copy_is_stopped_and_its_result_ignored()
    {
        var (h, stopped) = SlowFrameAtTheTail();
        Assert.That(h.Take("fast"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Scheduler.FrameStarted("fast", 1), Is.True);
        h.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.That(h.Scheduler.FrameRendered("slow", 1, 32), Is.True);
        Assert.That(stopped, Is.EqualTo(new[] { ("fast", 1) }));
        Assert.That(h.Scheduler.FrameRendered("fast", 1, 10), Is.False, "the copy's file is not brought over");
        Assert.That(h.Scheduler.FrameCompleted("slow", 1, 1000), Is.True);

        Assert.That(h.Journal.FrameChanges.Count(c => c.Frame == 1 && c.To == Done), Is.EqualTo(1));
        Assert.That(h.Frame(1).Slot, Is.EqualTo("slow"));
        Assert.That(h.Scheduler.IsFinished, Is.True);
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void When_the_original_fails_the_copy_carries_on_as_the_frame_s_attempt()
    {
        var (h, stopped) = SlowFrameAtTheTail();
        Assert.That(h.Take("fast"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Scheduler.FrameStarted("fast", 1), Is.True);

        Assert.That(h.Scheduler.FrameFailed("slow", 1, "Blender crashed"), Is.EqualTo(Queued), "the attempt counts");
        Assert.That((h.Frame(1).State, h.Frame(1).Slot, h.Frame(1).FailedAttempts), Is.EqualTo((Rendering, "fast", 1)),
            "journaled as taken and begun by the copy's slot");

        h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(h.Scheduler.FrameRendered("fast", 1, 10), Is.True);
        Assert.That(h.Scheduler.FrameCompleted("fast", 1, 1000), Is.True);
        Assert.That(stopped, Is.Empty, "nothing to stop");
        Assert.That(h.Journal.FrameChanges.Count(c => c.Frame == 1 && c.To == Done), Is.EqualTo(1));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void A_failed_copy_counts_no_attempt_and_leaves_the_frame_with_its_slot()
    {
        var (h, _) = SlowFrameAtTheTail();
        Assert.That(h.Take("fast"), Is.EqualTo(new[] { 1 }));
        var records = h.Journal.Records.Count;

        Assert.That(h.StartAndFail("fast", 1, "out of memory"), Is.EqualTo(Rendering));

        Assert.That((h.Frame(1).State, h.Frame(1).Slot, h.Frame(1).FailedAttempts), Is.EqualTo((Rendering, "slow", 0)));
        Assert.That(h.Journal.Records, Has.Count.EqualTo(records));
        h.Time.Advance(TimeSpan.FromSeconds(5));
        h.Scheduler.FrameRendered("slow", 1, 35);
        Assert.That(h.Scheduler.FrameCompleted("slow", 1, 1000), Is.True);
        Assert.That(h.Scheduler.IsFinished, Is.True);
    }

    [Test]
    public void No_copy_when_the_original_is_expected_to_finish_first()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 3), ChunkPolicy.Auto, ["a", "b"]);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Scheduler.FrameStarted("a", 1), Is.True);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 2 }));
        h.Render("b", 2, seconds: 10);
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 3 }));
        h.Render("b", 3, seconds: 10);

        // Frame 1 ran 21 s of an expected 10: about 10 s left, and a copy would take 10 s.
        Assert.That(h.Scheduler.TryTakeChunk("b"), Is.Null);
    }

    [Test]
    public void No_copy_with_a_fixed_chunk_size()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(1), ["slow", "fast"]);
        Assert.That(h.Take("slow"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Scheduler.FrameStarted("slow", 1), Is.True);
        Assert.That(h.Take("fast"), Is.EqualTo(new[] { 2 }));
        h.Render("fast", 2, seconds: 10);
        h.Time.Advance(TimeSpan.FromSeconds(100));
        Assert.That(h.Scheduler.TryTakeChunk("fast"), Is.Null, "the user chose how frames are handed out");
    }

    [Test]
    public void No_copy_when_copies_are_off()
    {
        var (h, _) = SlowFrameAtTheTail(new SchedulerOptions { CopySaving = null });
        Assert.That(h.Scheduler.TryTakeChunk("fast"), Is.Null);
    }

    [Test]
    public void On_cloud_instances_a_copy_must_save_as_long_as_it_runs()
    {
        // Frame 1 has run 30 s of an expected 10 s: 15 s left by the rule; a copy takes 10 s and saves 5 s.
        var (local, _) = SlowFrameAtTheTail();
        Assert.That(local.Scheduler.TryTakeChunk("fast"), Is.Not.Null, "local and SSH slots: 5 s sooner is worth it");
        var (cloud, _) = SlowFrameAtTheTail(new SchedulerOptions().WithCopySaving(SchedulerOptions.CloudCopySaving));
        Assert.That(cloud.Scheduler.TryTakeChunk("fast"), Is.Null, "a cloud copy would cost 10 s to save 5 s");

        // At 40 s: 20 s left, the copy's 10 s saves 10 s.
        cloud.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.That(cloud.Scheduler.TryTakeChunk("fast")?.Frames, Is.EqualTo(new[] { 1 }));
    }
}
