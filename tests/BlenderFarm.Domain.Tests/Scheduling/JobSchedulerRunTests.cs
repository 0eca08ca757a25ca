using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>Opening a run (first or resumed), ending it, and what progress it reports.</summary>
[TestFixture]
public sealed class JobSchedulerRunTests
{
    private static readonly SchedulerOptions Patient = new() { MaxAttemptsPerFrame = 3, SlotFailureLimit = 100 };

    [Test]
    public void The_first_run_is_journaled_and_adopts_no_file_even_if_one_verifies()
    {
        var h = SchedulerHarness.NewJob([1, 2], new ChunkPolicy(1), ["a"]);
        var asked = new List<int>();

        h.Scheduler.StartRun(777, "local:1", _ => true, frame =>
        {
            asked.Add(frame);
            return 4096;
        });

        Assert.That(h.Journal.Records.Skip(1), Is.EqualTo(new JournalRecord[]
        {
            new RunStarted(SchedulerHarness.Start, 777, "local:1"),
            new JobStatusChanged(JobStatus.Running, SchedulerHarness.Start, null),
        }));
        Assert.That(asked, Is.Empty, "files in the output folder before the job began are not the job's");
        Assert.That(h.State.Frames.Select(f => f.State), Has.All.EqualTo(Queued));
        Assert.That(h.State.Runs, Is.EqualTo(1));
    }

    [Test]
    public void Resume_queues_what_a_crash_left_in_flight_and_what_failed_and_keeps_or_adopts_verified_files()
    {
        // Run 1 on slots a, b, c: 1 and 2 done, 3 failed, 4 rendering, 5 transferring, 6 assigned, 7 and 8 queued.
        var run1 = SchedulerHarness.FirstRun(TestJobs.Frames(1, 8), new ChunkPolicy(1), ["a", "b", "c"], Patient);
        run1.Take("a");
        run1.Render("a", 1, bytes: 111);
        run1.Take("a");
        run1.Render("a", 2, bytes: 222);
        foreach (var slot in new[] { "a", "b", "c" })
        {
            run1.Take(slot);
            run1.StartAndFail(slot, 3, "Error: shader compilation failed");
        }

        run1.Take("a");
        run1.Scheduler.FrameStarted("a", 4);
        run1.Take("b");
        run1.Scheduler.FrameStarted("b", 5);
        run1.Scheduler.FrameRendered("b", 5, 8);
        run1.Take("c");
        var frame1 = run1.Frame(1);
        Assert.That(run1.State.Frames.Select(f => f.State), Is.EqualTo(new[] { Done, Done, Failed, Rendering, Transferring, Assigned, Queued, Queued }));

        // The coordinator crashes; the next one replays the journal on other slots.
        var run2 = run1.AfterCrash(["x", "y"], Patient);
        var mark = run1.Journal.Count;
        var checkedIntact = new List<int>();
        var askedToAdopt = new List<int>();

        run2.Scheduler.StartRun(
            2002,
            "local:2",
            doneOutputIntact: f =>
            {
                checkedIntact.Add(f.Frame);
                return f.Frame != 2; // frame 2's file was deleted
            },
            verifiedOutputBytes: f =>
            {
                askedToAdopt.Add(f);
                return f == 7 ? 4096 : null; // frame 7 was written before the crash but never journaled
            });

        var records = run2.Journal.Records.Skip(mark).ToList();
        Assert.That(records[0], Is.EqualTo(new RunStarted(SchedulerHarness.Start.AddSeconds(20), 2002, "local:2")));
        Assert.That(records[1], Is.EqualTo(new JobStatusChanged(JobStatus.Running, SchedulerHarness.Start.AddSeconds(20), "resumed")));
        Assert.That(run2.Moves(mark), Is.EqualTo(new[]
        {
            (2, Done, Queued), (3, Failed, Queued), (4, Rendering, Queued), (5, Transferring, Queued), (6, Assigned, Queued), (7, Queued, Done),
        }));
        Assert.That(run2.Frame(1), Is.EqualTo(frame1), "a done frame whose file is intact is untouched");
        Assert.That(run2.Frame(2).LastError, Is.EqualTo("its file was missing or changed on resume"));
        Assert.That(run2.Frame(3).FailedAttempts, Is.Zero, "a failed frame gets its attempts again");
        Assert.That(run2.Frame(3).LastError, Is.EqualTo("queued again on resume after: Error: shader compilation failed"));
        Assert.That(run2.Frame(4).LastError, Is.EqualTo("the coordinator stopped while it was rendering"));
        Assert.That(run2.Frame(5).LastError, Is.EqualTo("the coordinator stopped while it was transferring"));
        Assert.That(run2.Frame(6).LastError, Is.EqualTo("the coordinator stopped while it was assigned"));
        Assert.That((run2.Frame(7).State, run2.Frame(7).Bytes, run2.Frame(7).LastError), Is.EqualTo((Done, (long?)4096, (string?)null)), "frame 7's file is adopted");
        Assert.That(run2.State.Frames.Where(f => f.State == Queued).Select(f => f.Slot), Has.All.Null, "no slot of the old run holds anything");
        Assert.That(checkedIntact, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(askedToAdopt, Does.Not.Contain(1), "a done frame is not verified again");
        Assert.That(run2.State.Runs, Is.EqualTo(2));
        Assert.That(run2.State.LastRunProcessId, Is.EqualTo(2002));

        var progress = run2.Scheduler.Progress();
        Assert.That((progress.Done, progress.Failed, progress.Queued, progress.InFlight), Is.EqualTo((2, 0, 6, 0)));
        Assert.That(progress.FramesPerMinute, Is.Null, "adopted frames were not rendered in this run");
        run2.AssertJournalReplaysToLiveState();

        // The resumed run renders the rest and the job completes.
        while (run2.Scheduler.TryTakeChunk("x") is { } chunk)
        {
            run2.Render("x", chunk.Frames[0]);
        }

        Assert.That(run2.Scheduler.IsFinished, Is.True);
        Assert.That(run2.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
        Assert.That(run2.Journal.FrameChanges.Where(c => c.To == Done).GroupBy(c => c.Frame).Select(g => g.Key).Order(), Is.EqualTo(TestJobs.Frames(1, 8)));
        run2.AssertJournalReplaysToLiveState();
    }

    [Test]

    public void Resume_gives_a_frame_that_failed_before_the_crash_every_attempt_again()
    {
        var run1 = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["a"], Patient);
        run1.Take("a");
        run1.StartAndFail("a", 1, "Blender crashed");
        run1.Take("a");
        run1.StartAndFail("a", 1, "Blender crashed");
        Assert.That(run1.Frame(1), Has.Property(nameof(FrameInfo.State)).EqualTo(Queued).And.Property(nameof(FrameInfo.FailedAttempts)).EqualTo(2));

        var run2 = run1.AfterCrash(["a"], Patient);
        run2.Scheduler.StartRun(2, "local:1", _ => true, _ => null);
        run2.Take("a");

        Assert.That(run2.StartAndFail("a", 1, "Blender crashed"), Is.EqualTo(Queued), "the first failure of this run");
    }

    [Test]
    public void Finish_completes_the_job_when_every_frame_is_done()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(2), ["a"]);
        h.Take("a");
        h.Render("a", 1);
        h.Render("a", 2);
        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(h.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));

        Assert.That(h.State.Status, Is.EqualTo(JobStatus.Completed));
        Assert.That(h.State.StatusReason, Is.Null);
        Assert.That(h.Journal.Records[^1], Is.EqualTo(new JobStatusChanged(JobStatus.Completed, h.Time.GetUtcNow(), null)));
    }

    [Test]
    public void Finish_with_a_status_records_it_as_given()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(2), ["a"]);
        h.Take("a");
        h.Scheduler.ReleaseAll("a", "the run stopped before it finished");

        Assert.That(h.Scheduler.Finish(JobStatus.Paused, "stopped by the user (Ctrl+C)"), Is.EqualTo(JobStatus.Paused));

        Assert.That(h.State.Status, Is.EqualTo(JobStatus.Paused));
        Assert.That(h.State.StatusReason, Is.EqualTo("stopped by the user (Ctrl+C)"));
        Assert.That(h.State.Frames.Select(f => (f.State, f.FailedAttempts)), Has.All.EqualTo((Queued, 0)), "released frames cost no attempt");
        h.AssertJournalReplaysToLiveState();
    }

    [Test]
    public void Progress_counts_frames_and_derives_rate_and_eta_from_the_clock()
    {
        var h = SchedulerHarness.FirstRun(TestJobs.Frames(1, 10), new ChunkPolicy(2), ["a", "b"], new SchedulerOptions { MaxAttemptsPerFrame = 1, SlotFailureLimit = 10 });
        var before = h.Scheduler.Progress();
        Assert.That(before, Has.Property(nameof(JobProgress.Total)).EqualTo(10).And.Property(nameof(JobProgress.Queued)).EqualTo(10));
        Assert.That(before.FramesPerMinute, Is.Null);
        Assert.That(before.Eta, Is.Null);
        Assert.That(before.Elapsed, Is.EqualTo(TimeSpan.Zero));

        h.Take("a");
        h.Take("b");
        h.Render("a", 1, seconds: 30);
        h.Render("a", 2, seconds: 30);
        h.StartAndFail("b", 3, "Error: missing texture");
        h.Scheduler.FrameStarted("b", 4);
        h.Scheduler.ReportSample("b", 4, 32, 128);
        h.Time.Advance(TimeSpan.FromMinutes(1));

        var progress = h.Scheduler.Progress();

        Assert.That(progress.Total, Is.EqualTo(10));
        Assert.That(progress.Done, Is.EqualTo(2));
        Assert.That(progress.Failed, Is.EqualTo(1));
        Assert.That(progress.Queued, Is.EqualTo(6));
        Assert.That(progress.InFlight, Is.EqualTo(1));
        Assert.That(progress.Elapsed, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(progress.FramesPerMinute, Is.EqualTo(1.0).Within(1e-9), "2 frames in the 2 minutes since the first chunk");
        Assert.That(progress.Eta, Is.EqualTo(TimeSpan.FromMinutes(7)), "7 frames left at 1 a minute");
        Assert.That(progress.Slots, Is.EqualTo(new[]
        {
            new SlotActivity("a", "idle", null, 0, 0, false),
            new SlotActivity("b", "rendering 4", 4, 32, 128, false),
        }));
    }

    [Test]
    public void An_instance_cost_is_journaled_and_the_progress_shows_the_job_cost()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["cloud-1"]);
        Assert.That(h.Scheduler.Progress().Cost, Is.Zero);
        var start = SchedulerHarness.Start;
        var first = new InstanceCostRecorded("i-1", "g5.xlarge", "eu-west-1b", 1.20, start, start.AddMinutes(10), 0.20, false, start.AddMinutes(10));
        var last = first with { Until = start.AddMinutes(20), Usd = 0.40, Ended = true, At = start.AddMinutes(21) };

        h.Scheduler.RecordInstanceCost(first);
        h.Scheduler.RecordInstanceCost(last);

        Assert.That(h.Journal.Records.OfType<InstanceCostRecorded>(), Is.EqualTo(new[] { first, last }));
        Assert.That(h.Scheduler.Progress().Cost, Is.EqualTo(0.40));
        Assert.That(JobState.Replay(h.Journal.Records).Cost, Is.EqualTo(0.40), "the journal replays to the same cost");
    }

    [Test]
    public void A_sample_report_from_a_slot_that_does_not_render_the_frame_is_ignored()
    {
        var h = SchedulerHarness.FirstRun([1, 2], new ChunkPolicy(1), ["a", "b"]);
        h.Take("a");
        h.Scheduler.FrameStarted("a", 1);

        h.Scheduler.ReportSample("b", 1, 99, 100);
        h.Scheduler.ReportActivity("b", "starting Blender 4.2");

        var slots = h.Scheduler.Progress().Slots;
        Assert.That(slots[0], Is.EqualTo(new SlotActivity("a", "rendering 1", 1, 0, 0, false)));
        Assert.That(slots[1], Is.EqualTo(new SlotActivity("b", "starting Blender 4.2", null, 0, 0, false)));
    }
}
