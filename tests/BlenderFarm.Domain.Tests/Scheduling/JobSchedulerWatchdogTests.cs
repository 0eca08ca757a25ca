using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>The frame watchdog's rule on a fake clock: silence longer than the job's own frames allow makes a slot stuck.</summary>
[TestFixture]
public sealed class JobSchedulerWatchdogTests
{
    private static readonly SchedulerOptions Limits = new()
    {
        StuckFloor = TimeSpan.FromSeconds(60),
        StuckFactor = 3,
        FirstFrameStuckLimit = TimeSpan.FromSeconds(120),
    };

    [Test]
    public void Before_any_frame_is_measured_a_slot_is_stuck_after_the_first_frame_limit_of_silence()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 3), new ChunkPolicy(1), ["a", "b"], Limits);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);

        h.Time.Advance(TimeSpan.FromSeconds(120));
        Assert.That(h.Scheduler.FindStuck(), Is.Empty, "exactly the limit is still allowed");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        var stuck = h.Scheduler.FindStuck().Single();
        Assert.That(stuck, Is.EqualTo(new StuckSlot("a", 1, "stuck: no progress on frame 1 for 2m01s (limit 2m00s); its Blender was stopped")));
    }

    [Test]
    public void Each_sample_is_progress_so_a_long_frame_that_keeps_sampling_is_never_stuck()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 3), new ChunkPolicy(1), ["a"], Limits);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);
        for (var sample = 1; sample <= 20; sample++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(100));
            h.Scheduler.ReportSample("a", 1, sample, 20);
            Assert.That(h.Scheduler.FindStuck(), Is.Empty);
        }
    }

    [Test]
    public void Once_frames_are_measured_the_limit_is_three_times_the_slowest_and_never_under_the_floor()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(1), ["a"], Limits);
        h.Take("a");
        h.Render("a", 1, seconds: 5);
        Assert.That(h.Scheduler.StuckLimit, Is.EqualTo(TimeSpan.FromSeconds(60)), "3 x 5 s is under the floor");
        h.Take("a");
        h.Render("a", 2, seconds: 40);
        Assert.That(h.Scheduler.StuckLimit, Is.EqualTo(TimeSpan.FromSeconds(120)), "3 x the slowest frame");

        h.Take("a");
        h.Scheduler.FrameStarted("a", 3);
        h.Time.Advance(TimeSpan.FromSeconds(121));
        Assert.That(h.Scheduler.FindStuck().Select(s => (s.Slot, s.Frame)), Is.EqualTo(new[] { ("a", 3) }));
    }

    [Test]
    public void A_slot_bringing_a_frame_over_is_left_to_the_transfer_deadline()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(1), ["a"], Limits);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);
        h.Scheduler.FrameRendered("a", 1, 2);

        h.Time.Advance(TimeSpan.FromHours(1));

        Assert.That(h.Scheduler.FindStuck(), Is.Empty);
    }

    [Test]
    public void A_stuck_slot_fails_its_frame_once_returns_the_rest_and_shows_that_it_was_stuck()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(2), ["a", "b"], Limits);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1, 2 }));
        h.Scheduler.FrameStarted("a", 1);
        h.Time.Advance(TimeSpan.FromMinutes(3));
        var stuck = h.Scheduler.FindStuck().Single();

        h.Scheduler.SlotStuck("a", stuck.Reason);

        Assert.That(h.Frame(1).State, Is.EqualTo(Queued));
        Assert.That(h.Frame(1).FailedAttempts, Is.EqualTo(1));
        Assert.That(h.Frame(1).LastError, Does.StartWith("stuck: no progress on frame 1 for 3m00s"));
        Assert.That(h.Frame(2).FailedAttempts, Is.Zero);
        Assert.That(h.Scheduler.Progress().Slots.Single(s => s.Slot == "a").Doing, Does.StartWith("stuck: "));
        Assert.That(h.Scheduler.IsRetired("a"), Is.False);
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 1, 2 }), "the other slot takes the frame first");
        h.Scheduler.RetireSlot("b", "gone");
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(h.Scheduler.Progress().Slots.Single(s => s.Slot == "a").Doing, Is.EqualTo("starting 1 on a new Blender (the last one was stuck)"));
        h.AssertJournalReplaysToLiveState();
    }
}
