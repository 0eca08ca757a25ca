using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>Frames moving through the scheduler as slots take, render, fail and lose them.</summary>
[TestFixture]
public sealed class JobSchedulerTests
{
    /// <summary>Only a safety net against a hang: every wait below completes as soon as the scheduler signals.</summary>
    // Only a cap on waits for events that come at once: generous, so a machine under load never trips it.
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(30);

    private static readonly SchedulerOptions Patient = new() { MaxAttemptsPerFrame = 3, SlotFailureLimit = 100 };

    [Test]
    public void A_frame_goes_queued_assigned_rendering_transferring_done_and_the_journal_holds_exactly_those_steps()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a"]);
        var before = h.Journal.Count;
        var start = h.Time.GetUtcNow();

        var chunk = h.Scheduler.TryTakeChunk("a");
        Assert.That(chunk!.Slot, Is.EqualTo("a"));
        Assert.That(chunk.Frames, Is.EqualTo(new[] { 1 }));
        Assert.That(h.Frame(1).State, Is.EqualTo(Assigned));

        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(h.Scheduler.FrameStarted("a", 1), Is.True);
        Assert.That(h.Frame(1).State, Is.EqualTo(Rendering));

        h.Time.Advance(TimeSpan.FromSeconds(12.5));
        Assert.That(h.Scheduler.FrameRendered("a", 1, 12.5), Is.True);
        Assert.That(h.Frame(1).State, Is.EqualTo(Transferring));

        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(h.Scheduler.FrameCompleted("a", 1, 2048), Is.True);

        var changes = h.Journal.FrameChangesSince(before);
        Assert.That(changes.Select(c => (c.Frame, c.From, c.To)), Is.EqualTo(new[]
        {
            (1, Queued, Assigned), (1, Assigned, Rendering), (1, Rendering, Transferring), (1, Transferring, Done),
        }));
        Assert.That(changes.Select(c => c.Slot), Has.All.EqualTo("a"));
        Assert.That(changes.Select(c => c.At), Is.EqualTo(new[]
        {
            start, start.AddSeconds(1), start.AddSeconds(13.5), start.AddSeconds(15.5),
        }));
        Assert.That(h.Frame(1), Is.EqualTo(new FrameInfo(1, Done, 0, "a", null, 12.5, 2048, start.AddSeconds(15.5))));
        Assert.That(h.Scheduler.IsFinished, Is.True);
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void Every_journaled_change_is_announced_once_in_order()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(2), ["a"]);
        var before = h.Journal.Count;
        var announced = new List<FrameChanged>();
        h.Scheduler.FrameChanged += announced.Add;

        h.Take("a");
        h.Render("a", 1);
        h.StartAndFail("a", 2, "Error: out of memory");

        Assert.That(announced, Is.EqualTo(h.Journal.FrameChangesSince(before)));
        Assert.That(announced, Has.Count.EqualTo(7));
    }

    [Test]
    public void A_report_out_of_order_is_refused_and_changes_nothing()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a"]);
        h.Take("a");
        var before = h.Journal.Count;

        Assert.That(h.Scheduler.FrameRendered("a", 1, 3), Is.False, "rendered before it started");
        Assert.That(h.Scheduler.FrameCompleted("a", 1, 10), Is.False, "done before it was transferred");
        Assert.That(h.Scheduler.FrameStarted("a", 1), Is.True);
        Assert.That(h.Scheduler.FrameStarted("a", 1), Is.False, "started twice");
        Assert.That(h.Scheduler.FrameCompleted("a", 1, 10), Is.False, "done while still rendering");

        Assert.That(h.Moves(before), Is.EqualTo(new[] { (1, Assigned, Rendering) }));
    }

    [Test]
    public void A_failed_attempt_queues_the_frame_again_and_the_third_makes_it_failed_with_its_error()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a"], Patient);

        h.Take("a");
        Assert.That(h.StartAndFail("a", 1, "CUDA error: out of memory (1)"), Is.EqualTo(Queued));
        Assert.That(h.Frame(1).FailedAttempts, Is.EqualTo(1));
        Assert.That(h.Frame(1).LastError, Is.EqualTo("CUDA error: out of memory (1)"));

        h.Take("a");
        Assert.That(h.StartAndFail("a", 1, "CUDA error: out of memory (2)"), Is.EqualTo(Queued));
        Assert.That(h.Frame(1).FailedAttempts, Is.EqualTo(2));

        h.Take("a");
        Assert.That(h.StartAndFail("a", 1, "CUDA error: out of memory (3)"), Is.EqualTo(Failed));

        Assert.That(h.Frame(1).State, Is.EqualTo(Failed));
        Assert.That(h.Frame(1).FailedAttempts, Is.EqualTo(3));
        Assert.That(h.Frame(1).LastError, Is.EqualTo("CUDA error: out of memory (3)"));
        Assert.That(h.Moves().Where(m => m.To is Queued or Failed).Select(m => m.To), Is.EqualTo(new[] { Queued, Queued, Failed }));
        Assert.That(h.Scheduler.TryTakeChunk("a"), Is.Null);
        Assert.That(h.Scheduler.IsFinished, Is.True);

        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(h.State.StatusReason, Is.EqualTo("1 frame(s) failed every attempt (1); frame 1: CUDA error: out of memory (3)"));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void A_file_that_does_not_verify_costs_an_attempt_and_the_last_one_fails_the_frame()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a"], Patient);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            h.Take("a");
            h.Scheduler.FrameStarted("a", 1);
            h.Scheduler.FrameRendered("a", 1, 4);
            var state = h.Scheduler.FrameFailed("a", 1, "the rendered file did not verify: truncated PNG");
            Assert.That(state, Is.EqualTo(attempt < 3 ? Queued : Failed));
        }

        Assert.That(h.Moves().Where(m => m.From == Transferring).Select(m => m.To), Is.EqualTo(new[] { Queued, Queued, Failed }));
        Assert.That(h.Frame(1).RenderSeconds, Is.EqualTo(4));
    }

    [Test]
    public void A_frame_reported_failed_before_it_started_goes_back_without_costing_an_attempt()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(2), ["a"], Patient);
        h.Take("a");
        h.Render("a", 1);

        var state = h.Scheduler.FrameFailed("a", 2, "the worker finished its chunk without reporting this frame");

        Assert.That(state, Is.EqualTo(Queued));
        Assert.That(h.Frame(2).FailedAttempts, Is.Zero);
        Assert.That(h.Frame(2).LastError, Is.EqualTo("the worker finished its chunk without reporting this frame"));
    }

    [Test]
    public void Reports_from_a_slot_that_no_longer_holds_the_frame_are_ignored_so_the_frame_ends_once()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a", "b"], Patient);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);
        h.Scheduler.SlotLost("a", "ssh: connection reset by peer");
        Assert.That(h.Take("b"), Is.EqualTo(new[] { 1 }));

        // Late news from a's old Blender: the frame is b's now.
        Assert.That(h.Scheduler.FrameStarted("a", 1), Is.False);
        Assert.That(h.Scheduler.FrameRendered("a", 1, 9), Is.False);
        Assert.That(h.Scheduler.FrameCompleted("a", 1, 9), Is.False);
        Assert.That(h.Scheduler.FrameFailed("a", 1, "late"), Is.Null);
        Assert.That(h.Frame(1).State, Is.EqualTo(Assigned));
        Assert.That(h.Frame(1).Slot, Is.EqualTo("b"));

        h.Render("b", 1);

        // Once done, nothing moves it again, not even its own slot.
        Assert.That(h.Scheduler.FrameFailed("b", 1, "late"), Is.Null);
        Assert.That(h.Scheduler.FrameCompleted("b", 1, 9), Is.False);
        Assert.That(h.Scheduler.FrameStarted("b", 1), Is.False);
        h.Scheduler.SlotLost("b", "gone");
        h.Scheduler.ReleaseAll("b", "stopping");
        Assert.That(h.Frame(1).State, Is.EqualTo(Done));

        var done = h.Journal.FrameChanges.Where(c => c.To == Done).ToList();
        Assert.That(done, Has.Count.EqualTo(1));
        Assert.That(done[0].Slot, Is.EqualTo("b"));
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void A_lost_slot_fails_the_frame_it_was_rendering_and_returns_the_rest_of_its_chunk_untouched()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(3), ["a"], Patient);
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 1, 2, 3 }));
        h.Render("a", 1);
        h.Scheduler.FrameStarted("a", 2);
        var before = h.Journal.Count;

        h.Scheduler.SlotLost("a", "Blender exited with signal 11");

        Assert.That(h.Moves(before), Is.EqualTo(new[] { (2, Rendering, Queued), (3, Assigned, Queued) }));
        Assert.That(h.Frame(1).State, Is.EqualTo(Done));
        Assert.That(h.Frame(2).FailedAttempts, Is.EqualTo(1));
        Assert.That(h.Frame(2).LastError, Is.EqualTo("Blender exited with signal 11"));
        Assert.That(h.Frame(3).FailedAttempts, Is.Zero);
        Assert.That(h.Frame(3).LastError, Is.EqualTo("returned: Blender exited with signal 11"));
        Assert.That(h.Scheduler.IsRetired("a"), Is.False, "one loss does not retire a slot");
        Assert.That(h.Take("a"), Is.EqualTo(new[] { 2, 3, 4 }), "the restarted slot takes the frames again");
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void A_slot_lost_while_transferring_costs_the_frame_an_attempt()
    {
        var h = SchedulerHarness.FirstRun([1], new ChunkPolicy(1), ["a"], Patient);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);
        h.Scheduler.FrameRendered("a", 1, 2);

        h.Scheduler.SlotLost("a", "scp: connection closed");

        Assert.That(h.Frame(1).State, Is.EqualTo(Queued));
        Assert.That(h.Frame(1).FailedAttempts, Is.EqualTo(1));
    }

    [Test]
    public void A_success_between_failures_keeps_the_slot()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 6), new ChunkPolicy(1), ["a"], new SchedulerOptions { MaxAttemptsPerFrame = 5 });

        h.Take("a");
        h.StartAndFail("a", 1, "e");
        h.Take("a");
        h.StartAndFail("a", 1, "e");
        h.Take("a");
        h.Render("a", 1);
        h.Take("a");
        h.StartAndFail("a", 2, "e");
        h.Take("a");
        h.StartAndFail("a", 2, "e");

        Assert.That(h.Scheduler.IsRetired("a"), Is.False);
    }

    [Test]
    public void A_slot_lost_three_times_in_a_row_is_retired_even_if_it_never_started_a_frame()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 2), new ChunkPolicy(2), ["a", "b"]);

        for (var i = 1; i <= 3; i++)
        {
            h.Take("a");
            h.Scheduler.SlotLost("a", $"blender: command not found ({i})");
        }

        Assert.That(h.Scheduler.IsRetired("a"), Is.True);
        Assert.That(h.State.Frames.Select(f => (f.State, f.FailedAttempts)), Has.All.EqualTo((Queued, 0)));
    }

    [Test]
    public async Task Retiring_every_slot_ends_the_job_as_failed_with_a_reason_naming_the_slots()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 4), new ChunkPolicy(4), ["a", "b"]);
        h.Take("a");
        h.Render("a", 1);
        var waiting = h.Scheduler.TakeChunkAsync("b", CancellationToken.None);
        Assert.That(waiting.IsCompleted, Is.False, "a holds every frame");

        h.Scheduler.RetireSlot("b", "Blender 2.79 is too old");
        Assert.That(await waiting.WaitAsync(Safety), Is.Null, "a retired slot gets nothing more");
        Assert.That(h.Scheduler.IsFinished, Is.False, "a still works");

        h.Scheduler.RetireSlot("a", "ssh: connection refused");

        Assert.That(h.Scheduler.IsFinished, Is.True);
        Assert.That(h.State.Frames.Select(f => f.State), Is.EqualTo(new[] { Done, Queued, Queued, Queued }));
        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(h.State.StatusReason, Is.EqualTo("no slot was left to render 3 frame(s) (2-4): b: Blender 2.79 is too old; a: ssh: connection refused"));
        Assert.That(h.Journal.Records[^1], Is.TypeOf<JobStatusChanged>());
        h.AssertJournalReplaysToLiveState();
    }
}
