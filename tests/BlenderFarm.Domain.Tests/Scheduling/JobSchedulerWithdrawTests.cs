using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>
/// A slot wanted back by the farm's queue (for the next job) leaves the run when it next asks for work: at once when
/// it waits idle with only other slots' frames in flight, never in the middle of its chunk.
/// </summary>
[TestFixture]
public sealed class JobSchedulerWithdrawTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(30);
    private const string Reason = "the farm gave this slot to the next job in its queue";

    [Test]
    public async Task An_idle_slot_of_a_job_whose_last_frame_renders_elsewhere_leaves_at_once_and_the_frame_still_finishes()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");
        h.Take("b");
        h.Render("b", 2);
        var idle = h.Scheduler.TakeChunkAsync("b", CancellationToken.None);
        Assert.That(idle.IsCompleted, Is.False, "b waits: frame 1 is still in flight on a");

        var withdrawn = h.Scheduler.WithdrawSlotAsync("b", Reason);

        Assert.That(await withdrawn.WaitAsync(Safety), Is.True, "b left the run");
        Assert.That(await idle.WaitAsync(Safety), Is.Null, "b's wait for work ended with nothing");
        Assert.That(h.State.RetiredSlots, Is.EqualTo(new Dictionary<string, string> { ["b"] = Reason }));
        Assert.That(h.Scheduler.IsFinished, Is.False, "frame 1 still renders on a");
        h.Render("a", 1);
        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public async Task A_busy_slot_leaves_only_once_its_chunk_ended_and_never_takes_another()
    {
        var h = SchedulerHarness.FirstRun([1, 2, 3], new ChunkPolicy(1), ["a"]);
        h.Take("a");
        var withdrawn = h.Scheduler.WithdrawSlotAsync("a", Reason);
        Assert.That(withdrawn.IsCompleted, Is.False, "a renders frame 1: it is not stopped");

        h.Render("a", 1);
        Assert.That(h.Frame(1).State, Is.EqualTo(Done));
        Assert.That(await h.Scheduler.TakeChunkAsync("a", CancellationToken.None).WaitAsync(Safety), Is.Null, "a asks for work and is given back instead");

        Assert.That(await withdrawn.WaitAsync(Safety), Is.True);
        Assert.That(h.State.Frames.Where(f => f.Frame > 1).Select(f => f.State), Has.All.EqualTo(Queued), "frames 2 and 3 wait for another slot");
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public async Task A_slot_withdrawn_before_it_joined_leaves_as_it_asks_for_its_first_chunk()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["a"]);
        h.Scheduler.SlotsMayJoin = true;
        var withdrawn = h.Scheduler.WithdrawSlotAsync("local-2", Reason);

        h.Scheduler.AddSlot("local-2");

        Assert.That(await h.Scheduler.TakeChunkAsync("local-2", CancellationToken.None).WaitAsync(Safety), Is.Null);
        Assert.That(await withdrawn.WaitAsync(Safety), Is.True);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1 }), "the frames stay for the job's other slot");
    }

    [Test]
    public async Task Withdrawing_a_slot_that_already_retired_says_so()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a", "b"]);
        h.Scheduler.RetireSlot("b", "host unreachable");

        Assert.That(await h.Scheduler.WithdrawSlotAsync("b", Reason).WaitAsync(Safety), Is.False);
        Assert.That(h.State.RetiredSlots["b"], Is.EqualTo("host unreachable"));
    }
}
