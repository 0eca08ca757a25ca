using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>Cost-aware scheduling on a mixed fleet: each slot's own speed sizes its chunks and decides the tail.</summary>
[TestFixture]
public sealed class JobSchedulerCostTests
{
    [Test]
    public void Each_slot_gets_chunks_that_last_about_the_target_on_that_slot()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 200), ChunkPolicy.Auto, ["gpu", "cpu"]);
        Assert.That(h.Take("gpu"), Is.EqualTo(new[] { 1 }), "one frame until a time is measured");
        Assert.That(h.Take("cpu"), Is.EqualTo(new[] { 2 }));
        h.Render("gpu", 1, seconds: 5);
        h.Render("cpu", 2, seconds: 15);

        Assert.That(h.Take("gpu"), Has.Count.EqualTo(6), "30 s target / 5 s a frame on this slot");
        Assert.That(h.Take("cpu"), Has.Count.EqualTo(2), "30 s target / 15 s a frame on this slot");
    }

    [Test]
    public void At_the_tail_a_slow_slot_leaves_the_last_frame_to_a_faster_slot_that_would_finish_it_first()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 5), ChunkPolicy.Auto, ["gpu", "cpu"]);
        h.Take("gpu");
        h.Take("cpu");
        h.Render("cpu", 2, seconds: 40);
        h.Render("gpu", 1, seconds: 10);
        Assert.That(h.Take("gpu"), Is.EqualTo(new[] { 3, 4 }));

        Assert.That(h.Scheduler.TryTakeChunk("cpu"), Is.Null, "frame 5 would take 40 s here; the GPU slot is through it in 30 s");

        h.Render("gpu", 3, seconds: 10);
        h.Render("gpu", 4, seconds: 10);
        Assert.That(h.Take("gpu"), Is.EqualTo(new[] { 5 }));
        h.Render("gpu", 5, seconds: 10);
        Assert.That(h.Scheduler.IsFinished, Is.True);
    }

    [Test]
    public void At_the_tail_a_slow_slot_still_takes_a_frame_when_the_faster_slot_is_late()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 5), ChunkPolicy.Auto, ["gpu", "cpu"]);
        h.Take("gpu");
        h.Take("cpu");
        h.Render("cpu", 2, seconds: 40);
        h.Render("gpu", 1, seconds: 10);
        h.Take("gpu");

        // The GPU slot was expected through its two frames in 20 s; 60 s later it is still on them (an outlier).
        h.Time.Advance(TimeSpan.FromSeconds(60));

        Assert.That(h.Scheduler.TryTakeChunk("cpu")?.Frames, Is.EqualTo(new[] { 5 }));
    }
}
