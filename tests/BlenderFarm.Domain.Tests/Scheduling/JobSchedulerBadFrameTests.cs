using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>A bad frame is the frame's fault, not the slot's: it moves between slots, and only failures no other slot shares count against a slot.</summary>
[TestFixture]
public sealed class JobSchedulerBadFrameTests
{
    [Test]
    public void A_failed_frame_goes_to_another_slot_next_and_fails_for_good_after_three_different_slots()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(1), ["a", "b", "c"]);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }));
        h.StartAndFail("a", 1, "Segmentation fault");

        Assert.That(h.Take("a"), Is.EqualTo(new[] { 2 }), "the slot it failed on takes the next frame instead");
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 1 }));
        h.StartAndFail("b", 1, "Segmentation fault");
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 3 }));
        Assert.That(h.Take("c"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.StartAndFail("c", 1, "Segmentation fault"), Is.EqualTo(Failed));

        Assert.That(h.Journal.ChangesOf(1).Where(c => c.From == Rendering).Select(c => c.Slot), Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(h.Frame(1).LastError, Is.EqualTo("Segmentation fault"));
        Assert.That(new[] { "a", "b", "c" }.Select(h.Scheduler.IsRetired), Has.All.False, "no slot is blamed for a frame every slot fails");
    }

    [Test]
    public void With_one_slot_a_bad_frame_fails_after_three_attempts_and_the_slot_renders_every_other_frame()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 5), new ChunkPolicy(1), ["a"]);
        for (var i = 0; i < 3; i++)
        {
            Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }));
            h.StartAndFail("a", 1, "Segmentation fault");
        }

        Assert.That(h.Frame(1).State, Is.EqualTo(Failed));
        for (var frame = 2; frame <= 5; frame++)
        {
            Assert.That(h.Take("a"), Is.EqualTo(new[] { frame }));
            h.Render("a", frame);
        }

        Assert.That(h.Scheduler.IsRetired("a"), Is.False);
        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(h.State.StatusReason, Is.EqualTo("1 frame(s) failed every attempt (1); frame 1: Segmentation fault"));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void Two_bad_frames_on_two_slots_fail_after_three_attempts_on_both_slots_and_retire_neither()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 6), new ChunkPolicy(1), ["a", "b"]);
        var bad = new HashSet<int> { 2, 5 };
        var rounds = 0;
        while (!h.Scheduler.IsFinished && rounds++ < 50)
        {
            foreach (var slot in new[] { "a", "b" })
            {
                if (h.Scheduler.TryTakeChunk(slot) is { Frames: [var frame] })
                {
                    if (bad.Contains(frame))
                    {
                        h.StartAndFail(slot, frame, $"Blender quit on frame {frame}");
                    }
                    else
                    {
                        h.Render(slot, frame);
                    }
                }
            }
        }

        Assert.That(h.State.Frames.Select(f => (f.Frame, f.State)), Is.EqualTo(new[]
        {
            (1, Done), (2, Failed), (3, Done), (4, Done), (5, Failed), (6, Done),
        }));
        foreach (var frame in bad)
        {
            var attempts = h.Journal.ChangesOf(frame).Where(c => c.From == Rendering).Select(c => c.Slot).ToList();
            Assert.That(attempts, Has.Count.EqualTo(3));
            Assert.That(attempts.Distinct().Order(), Is.EqualTo(new[] { "a", "b" }), $"frame {frame} was tried on both slots");
            Assert.That(attempts[1], Is.Not.EqualTo(attempts[0]), "the second attempt goes to the other slot");
        }

        Assert.That(h.State.RetiredSlots, Is.Empty);
    }

    [Test]
    public void A_slot_whose_failures_render_fine_elsewhere_is_retired_after_three()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 6), new ChunkPolicy(1), ["a", "b"], new SchedulerOptions { MaxAttemptsPerFrame = 5 });
        for (var frame = 1; frame <= 3; frame++)
        {
            Assert.That(h.Take("a"), Is.EqualTo(new[] { frame }));
            h.StartAndFail("a", frame, $"CUDA error {frame}");
            Assert.That(h.Scheduler.IsRetired("a"), Is.False, "a failure alone is the frame's until another slot renders it");
            Assert.That(h.Take("b"), Is.EqualTo(new[] { frame }));
            var before = h.Journal.Count;
            h.Render("b", frame);
            if (frame == 3)
            {
                var retired = h.Journal.Records.Skip(before).OfType<SlotRetired>().Single();
                Assert.That(retired.Slot, Is.EqualTo("a"));
                Assert.That(retired.Reason, Is.EqualTo("3 failures in a row; last: frame 3 failed here (CUDA error 3) but rendered on b"));
            }
        }

        Assert.That(h.Scheduler.IsRetired("a"), Is.True);
        Assert.That(h.Scheduler.IsRetired("b"), Is.False);
        Assert.That(h.Scheduler.TryTakeChunk("a"), Is.Null);
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void A_slot_waits_rather_than_retake_the_only_queued_frame_it_failed_while_another_slot_has_not_tried_it()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");
        h.Take("b");
        h.StartAndFail("a", 1, "bad");

        Assert.That(h.Scheduler.TryTakeChunk("a"), Is.Null, "b has not tried frame 1 yet");
        h.Scheduler.RetireSlot("b", "host unreachable");
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }), "with b gone, a is the only slot left to try it");
    }
}
