using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>Slots that join a job while it runs (cloud instances that boot later, replacements).</summary>
[TestFixture]
public sealed class JobSchedulerJoinTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    [Test]
    public void A_slot_added_mid_run_takes_queued_frames_and_shows_in_progress()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(2), ["a"]);
        h.Take("a");

        h.Scheduler.AddSlot("cloud-1");

        Assert.That(h.Take("cloud-1"), Is.EqualTo(new[] { 3, 4 }));
        h.Render("cloud-1", 3);
        Assert.That(h.Frame(3), Has.Property(nameof(FrameInfo.State)).EqualTo(Done).And.Property(nameof(FrameInfo.Slot)).EqualTo("cloud-1"));
        Assert.That(h.Scheduler.Progress().Slots.Select(s => (s.Slot, s.Doing)), Is.EqualTo(new[] { ("a", "starting 1"), ("cloud-1", "idle") }));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void Adding_a_slot_the_job_already_has_is_refused()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(2), ["a"]);
        h.Scheduler.AddSlot("cloud-1");

        Assert.Throws<InvalidOperationException>(() => h.Scheduler.AddSlot("a"));
        Assert.Throws<InvalidOperationException>(() => h.Scheduler.AddSlot("cloud-1"));
        Assert.That(h.Scheduler.Progress().Slots.Select(s => s.Slot), Is.EqualTo(new[] { "a", "cloud-1" }));
    }

    [Test]
    public async Task While_slots_may_join_a_job_whose_slots_all_retired_waits_and_a_newcomer_finishes_it()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(2), ["a"]);
        h.Scheduler.SlotsMayJoin = true;
        h.Take("a");
        h.Scheduler.RetireSlot("a", "spot instance interrupted");

        Assert.That(h.Scheduler.IsFinished, Is.False, "a newcomer may still render the frames");
        Assert.That(h.State.Frames.Select(f => f.State), Has.All.EqualTo(Queued));

        h.Scheduler.AddSlot("cloud-2");
        var chunk = await h.Scheduler.TakeChunkAsync("cloud-2", CancellationToken.None).WaitAsync(Safety);
        Assert.That(chunk!.Frames, Is.EqualTo(new[] { 1, 2 }));
        h.Render("cloud-2", 1);
        h.Render("cloud-2", 2);

        Assert.That(h.Scheduler.IsFinished, Is.True, "every frame ended, though slots may still join");
        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
    }

    [Test]
    public void When_slots_may_no_longer_join_a_job_whose_slots_all_retired_ends_failed_as_before()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(1), ["a", "b"]);
        h.Scheduler.SlotsMayJoin = true;
        h.Take("a");
        h.Scheduler.RetireSlot("a", "spot instance interrupted");
        h.Scheduler.RetireSlot("b", "spot instance interrupted");
        Assert.That(h.Scheduler.IsFinished, Is.False);

        h.Scheduler.SlotsMayJoin = false;

        Assert.That(h.Scheduler.IsFinished, Is.True);
        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(h.State.StatusReason, Does.StartWith("no slot was left to render 2 frame(s) (1-2)"));
    }
}
