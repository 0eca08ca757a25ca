using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>Slots pulling chunks: waiting for work, waking, and how big each chunk is.</summary>
[TestFixture]
public sealed class JobSchedulerChunkTests
{
    /// <summary>Only a safety net against a hang: every wait below completes as soon as the scheduler signals.</summary>
    // Only a cap on waits for events that come at once: generous, so a machine under load never trips it.
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(30);

    [Test]
    public async Task TakeChunkAsync_waits_while_frames_are_in_flight_and_wakes_when_one_is_queued_again()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");

        var waiting = h.Scheduler.TakeChunkAsync("b", CancellationToken.None);
        h.Scheduler.FrameStarted("a", 1);
        Assert.That(waiting.IsCompleted, Is.False, "nothing is queued for b yet");

        h.Scheduler.FrameFailed("a", 1, "Blender crashed");

        var chunk = await waiting.WaitAsync(Safety);
        Assert.That(chunk!.Slot, Is.EqualTo("b"));
        Assert.That(chunk.Frames, Is.EqualTo(new[] { 1 }));
        Assert.That(h.Frame(1).Slot, Is.EqualTo("b"));
    }

    [Test]
    public async Task TakeChunkAsync_wakes_when_a_retired_slot_hands_its_frames_back()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(2), ["a", "b"]);
        h.Take("a");
        var waiting = h.Scheduler.TakeChunkAsync("b", CancellationToken.None);

        h.Scheduler.RetireSlot("a", "host unreachable");

        Assert.That((await waiting.WaitAsync(Safety))!.Frames, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public async Task TakeChunkAsync_returns_null_once_every_frame_has_ended()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");
        var waiting = h.Scheduler.TakeChunkAsync("b", CancellationToken.None);

        h.Render("a", 1);

        Assert.That(await waiting.WaitAsync(Safety), Is.Null);
        Assert.That(await h.Scheduler.TakeChunkAsync("a", CancellationToken.None).WaitAsync(Safety), Is.Null);
    }

    [Test]
    public async Task TakeChunkAsync_returns_at_once_when_frames_are_queued()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["a"]);

        var chunk = h.Scheduler.TakeChunkAsync("a", CancellationToken.None);

        Assert.That(chunk.IsCompletedSuccessfully, Is.True);
        Assert.That((await chunk)!.Frames, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void TakeChunkAsync_stops_waiting_when_cancelled()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");
        using var cancel = new CancellationTokenSource();
        var waiting = h.Scheduler.TakeChunkAsync("b", cancel.Token);

        cancel.Cancel();

        Assert.CatchAsync<OperationCanceledException>(async () => await waiting.WaitAsync(Safety));
        Assert.That(h.Frame(1).Slot, Is.EqualTo("a"), "the waiting slot took nothing");
    }

    [Test]
    public void A_fixed_chunk_policy_gives_chunks_of_that_size_until_the_queue_runs_short()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 10), new ChunkPolicy(4), ["a", "b"]);

        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 5, 6, 7, 8 }));
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 9, 10 }));
        Assert.That(h.Scheduler.TryTakeChunk("b"), Is.Null);
    }

    [Test]
    public void Auto_chunks_start_with_one_frame_and_grow_once_render_times_are_known()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 100), ChunkPolicy.Auto, ["a", "b"]);

        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }));
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 2 }));

        h.Render("a", 1, seconds: 5);
        Assert.That(h.Take("a"), Has.Count.EqualTo(6), "30 s target / 5 s a frame");

        h.Render("b", 2, seconds: 15);
        Assert.That(h.Take("b"), Has.Count.EqualTo(2), "30 s target / 15 s a frame on b: its own measured time, not the fleet's mean");
    }

    [Test]
    public void Auto_chunks_shrink_at_the_tail_so_slots_finish_together()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 12), ChunkPolicy.Auto, ["a", "b"]);
        h.Take("a");
        h.Render("a", 1, seconds: 0.5);

        var sizes = new List<int>();
        while (h.Scheduler.TryTakeChunk("a") is { } chunk)
        {
            sizes.Add(chunk.Frames.Count);
        }

        Assert.That(sizes, Is.EqualTo(new[] { 3, 2, 2, 1, 1, 1, 1 }), "never more than half a fair share of what is left");
    }
}
