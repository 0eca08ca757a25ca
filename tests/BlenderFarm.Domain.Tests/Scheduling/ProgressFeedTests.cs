using System.Threading.Channels;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>
/// Progress is published on a timer (the injected clock), never per frame change: a frame change costs the counters
/// only, and the full snapshot with every slot's activity is built once per tick.
/// </summary>
[TestFixture]
public sealed class ProgressFeedTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Frame_changes_build_no_snapshot_and_each_tick_of_the_clock_publishes_one()
    {
        var slots = Enumerable.Range(1, 50).Select(i => $"slot-{i}").ToArray();
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 200), new ChunkPolicy(1), slots);
        var feed = new ProgressFeed(h.Scheduler, h.Time, TimeSpan.FromMilliseconds(250));
        var doneSeen = new List<int>();
        h.Scheduler.FrameChanged += _ => doneSeen.Add(feed.Current().Done);
        var ticks = Channel.CreateUnbounded<JobProgress>();
        using var stop = new CancellationTokenSource();
        var running = feed.RunAsync(p => ticks.Writer.TryWrite(p), stop.Token);
        var before = h.Scheduler.SlotSnapshots;

        // 50 frames rendered in 100 ms of the clock: hundreds of changes, each seeing the counters as they are.
        foreach (var slot in slots)
        {
            var frame = h.Take(slot)[0];
            h.Render(slot, frame, seconds: 0.002);
        }

        Assert.Multiple(() =>
        {
            Assert.That(h.Scheduler.SlotSnapshots, Is.EqualTo(before), "no full snapshot for a frame change");
            Assert.That(ticks.Reader.TryRead(out _), Is.False, "nothing published before the interval");
            Assert.That(doneSeen[^1], Is.EqualTo(50), "the last change saw every frame done so far");
            Assert.That(doneSeen, Is.Ordered, "each change saw the count of its time");
        });

        h.Time.Advance(TimeSpan.FromMilliseconds(150));
        using var timeout = new CancellationTokenSource(Wait);
        var tick = await ticks.Reader.ReadAsync(timeout.Token);
        Assert.Multiple(() =>
        {
            Assert.That(tick.Done, Is.EqualTo(50));
            Assert.That(tick.Slots, Has.Count.EqualTo(50), "the tick's snapshot shows every slot");
            Assert.That(h.Scheduler.SlotSnapshots, Is.EqualTo(before + 1), "one snapshot per tick");
            Assert.That(feed.Current().Slots, Is.SameAs(tick.Slots), "changes reuse the tick's slot activity");
        });

        h.Time.Advance(TimeSpan.FromMilliseconds(250));
        await ticks.Reader.ReadAsync(timeout.Token);
        Assert.That(h.Scheduler.SlotSnapshots, Is.EqualTo(before + 2), "and one more on the next tick");

        await stop.CancelAsync();
        await running;
    }

    [Test]
    public void What_the_workers_side_adds_to_a_snapshot_stays_on_the_frame_changes_that_follow_it()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(1), ["slot-1"]);
        var fleet = "aws: 1 booting";
        var feed = new ProgressFeed(h.Scheduler, h.Time, TimeSpan.FromMilliseconds(250), p => p with { Workers = fleet });
        var seen = new List<string?>();
        h.Scheduler.FrameChanged += _ => seen.Add(feed.Current().Workers);

        Assert.That(feed.Publish().Workers, Is.EqualTo("aws: 1 booting"));
        fleet = "aws: 1 rendering";
        var frame = h.Take("slot-1")[0];
        h.Render("slot-1", frame, seconds: 0.002);

        Assert.That(seen, Is.Not.Empty.And.All.EqualTo("aws: 1 booting"), "changes show the latest snapshot's fleet, not none");
        Assert.That(feed.Publish().Workers, Is.EqualTo("aws: 1 rendering"), "the next snapshot asks the fleet again");
    }
}
