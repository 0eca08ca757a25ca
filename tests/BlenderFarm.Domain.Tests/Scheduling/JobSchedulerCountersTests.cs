using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>
/// The scheduler answers from counters kept as frames change state, and wakes an idle slot only when work for it
/// appears: these tests check the counters against the frames themselves, and count the wake-ups.
/// </summary>
[TestFixture]
public sealed class JobSchedulerCountersTests
{
    private static void AssertCountersMatchFrames(SchedulerHarness h, string when)
    {
        var progress = h.Scheduler.Progress();
        var frames = h.State.Frames.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(progress.Done, Is.EqualTo(frames.Count(f => f.State == FrameState.Done)), $"done {when}");
            Assert.That(progress.Failed, Is.EqualTo(frames.Count(f => f.State == FrameState.Failed)), $"failed {when}");
            Assert.That(progress.Queued, Is.EqualTo(frames.Count(f => f.State == FrameState.Queued)), $"queued {when}");
            Assert.That(progress.InFlight, Is.EqualTo(frames.Count(f => FrameTransitions.InFlight.Contains(f.State))), $"in flight {when}");
            Assert.That(h.Scheduler.IsFinished, Is.EqualTo(frames.All(f => FrameTransitions.Final.Contains(f.State))), $"finished {when}");
        });
    }

    [Test]
    public void Progress_counts_match_the_frames_after_every_kind_of_change()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 12), new ChunkPolicy(2), ["a", "b", "c"],
            new SchedulerOptions { MaxAttemptsPerFrame = 1 });
        AssertCountersMatchFrames(h, "at the start");

        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 3, 4 }));
        Assert.That(h.Take("c"), Is.EqualTo(new[] { 5, 6 }));
        AssertCountersMatchFrames(h, "after three chunks");

        h.Render("a", 1);
        AssertCountersMatchFrames(h, "after a frame is done");
        h.StartAndFail("a", 2, "Blender crashed");
        AssertCountersMatchFrames(h, "after a frame failed for good");
        h.Scheduler.FrameStarted("b", 3);
        h.Scheduler.SlotLost("b", "host vanished");
        AssertCountersMatchFrames(h, "after a slot was lost mid-chunk");
        h.Scheduler.RetireSlot("c", "test");
        AssertCountersMatchFrames(h, "after a slot was retired holding a chunk");

        while (h.Scheduler.TryTakeChunk("a") is { } chunk)
        {
            foreach (var frame in chunk.Frames)
            {
                h.Render("a", frame);
            }
        }

        AssertCountersMatchFrames(h, "at the end");
        Assert.That(h.Scheduler.IsFinished, Is.True);
    }

    [Test]
    public async Task An_idle_slot_is_woken_only_when_a_frame_is_queued_and_only_one_per_frame()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(1), ["a", "b", "c", "d", "e"]);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 2 }));
        var idle = new[] { "c", "d", "e" }.ToDictionary(s => s, s => h.Scheduler.TakeChunkAsync(s, CancellationToken.None));

        h.Render("a", 1);
        h.Scheduler.ReportActivity("b", "loading the scene");

        Assert.That(h.Scheduler.Wakeups, Is.Zero, "nothing was queued: no idle slot woke");
        Assert.That(idle.Values.Any(t => t.IsCompleted), Is.False);

        h.Scheduler.SlotLost("b", "its host vanished before Blender began frame 2");
        var first = await Task.WhenAny(idle.Values);

        Assert.That((await first)!.Frames, Is.EqualTo(new[] { 2 }));
        Assert.That(h.Scheduler.Wakeups, Is.EqualTo(1), "one frame queued: one slot woken");
        var taker = idle.Single(p => p.Value == first).Key;

        h.Render(taker, 2);
        var rest = idle.Where(p => p.Key != taker).Select(p => p.Value).ToList();
        Assert.That(await Task.WhenAll(rest), Is.All.Null, "the job ended: the others are told there is nothing left");
    }
}
