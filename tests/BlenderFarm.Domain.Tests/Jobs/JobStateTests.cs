using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Fakes;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Domain.Tests.Jobs;

[TestFixture]
public sealed class JobStateTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 10, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_new_job_has_every_frame_queued_and_nothing_else()
    {
        var state = JobState.New(TestJobs.Spec([3, 1, 2]));

        Assert.That(state.Frames.Select(f => f.Frame), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(state.Frames, Has.All.Matches<FrameInfo>(f => f.State == FrameState.Queued && f.FailedAttempts == 0 && f.Slot == null));
        Assert.That(state.Status, Is.EqualTo(JobStatus.Running));
        Assert.That(state.Runs, Is.Zero);
    }

    [Test]
    public void Replaying_the_journal_builds_exactly_the_state_the_live_run_had()
    {
        var spec = TestJobs.Spec(TestJobs.Frames(1, 8), new ChunkPolicy(2));
        var live = JobState.New(spec);
        var journal = new InMemoryJobJournal(spec);
        var time = new FakeTimeProvider(T0);
        var scheduler = new JobScheduler(live, journal, time, new SchedulerOptions(), ["a", "b"]);
        scheduler.StartRun(100, "local:2", _ => true, _ => null);

        // a renders 1 and 2; b renders 3, fails 4; a loses its slot on 5 with 6 unstarted; b retires.
        Assert.That(scheduler.TryTakeChunk("a")!.Frames, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(scheduler.TryTakeChunk("b")!.Frames, Is.EqualTo(new[] { 3, 4 }));
        foreach (var frame in new[] { 1, 2 })
        {
            time.Advance(TimeSpan.FromSeconds(7));
            scheduler.FrameStarted("a", frame);
            scheduler.FrameRendered("a", frame, 6.5);
            scheduler.FrameCompleted("a", frame, 1000 + frame);
        }

        scheduler.FrameStarted("b", 3);
        scheduler.FrameRendered("b", 3, 9.25);
        scheduler.FrameCompleted("b", 3, 2048);
        scheduler.FrameStarted("b", 4);
        scheduler.FrameFailed("b", 4, "Error: out of GPU memory");
        Assert.That(scheduler.TryTakeChunk("a")!.Frames, Is.EqualTo(new[] { 4, 5 }));
        scheduler.FrameStarted("a", 4);
        scheduler.SlotLost("a", "Blender exited with code 139");
        scheduler.RetireSlot("b", "ssh: host unreachable");
        scheduler.Finish();

        var replayed = JobState.Replay(journal.Records);

        Assert.That(replayed.Frames, Is.EqualTo(live.Frames));
        Assert.That(replayed.Status, Is.EqualTo(live.Status));
        Assert.That(replayed.StatusReason, Is.EqualTo(live.StatusReason));
        Assert.That(replayed.StatusChangedAt, Is.EqualTo(live.StatusChangedAt));
        Assert.That(replayed.Runs, Is.EqualTo(1));
        Assert.That(replayed.LastRunProcessId, Is.EqualTo(100));
        Assert.That(replayed.RetiredSlots, Is.EqualTo(live.RetiredSlots));
        Assert.That(live.Frame(4).FailedAttempts, Is.EqualTo(2), "the narrative above failed frame 4 twice");
    }

    [Test]
    public void A_frame_keeps_its_render_time_and_size_and_loses_its_last_error_once_done()
    {
        var spec = TestJobs.Spec([1]);
        var state = Replay(spec,
            Change(1, FrameState.Queued, FrameState.Assigned, "a"),
            Change(1, FrameState.Assigned, FrameState.Rendering, "a"),
            Change(1, FrameState.Rendering, FrameState.Queued, "a", attempts: 1, detail: "Blender crashed"),
            Change(1, FrameState.Queued, FrameState.Assigned, "b", attempts: 1));

        Assert.That(state.Frame(1).LastError, Is.EqualTo("Blender crashed"), "the last error stays visible while the frame is retried");

        state.Apply(Change(1, FrameState.Assigned, FrameState.Rendering, "b", attempts: 1));
        state.Apply(Change(1, FrameState.Rendering, FrameState.Transferring, "b", attempts: 1) with { RenderSeconds = 12.5 });
        state.Apply(Change(1, FrameState.Transferring, FrameState.Done, "b", attempts: 1) with { Bytes = 4096, At = T0.AddMinutes(3) });

        Assert.That(state.Frame(1), Is.EqualTo(new FrameInfo(1, FrameState.Done, 1, "b", null, 12.5, 4096, T0.AddMinutes(3))));
    }

    [Test]
    public void A_run_counts_itself_and_forgets_the_slots_retired_in_the_run_before()
    {
        var state = Replay(TestJobs.Spec([1]),
            new RunStarted(T0, 11, "local:2"),
            new SlotRetired("local-1", "3 failures in a row", T0),
            new JobStatusChanged(JobStatus.Failed, T0.AddHours(1), "no slot was left"));

        Assert.That(state.RetiredSlots, Is.EqualTo(new Dictionary<string, string> { ["local-1"] = "3 failures in a row" }));
        Assert.That(state.Status, Is.EqualTo(JobStatus.Failed));
        Assert.That(state.StatusReason, Is.EqualTo("no slot was left"));
        Assert.That(state.StatusChangedAt, Is.EqualTo(T0.AddHours(1)));

        state.Apply(new RunStarted(T0.AddDays(1), 22, "ssh:gpu1"));

        Assert.That(state.Runs, Is.EqualTo(2));
        Assert.That(state.LastRunProcessId, Is.EqualTo(22));
        Assert.That(state.RetiredSlots, Is.Empty);
    }

    [Test]
    public void A_job_costs_the_latest_record_of_each_instance_across_runs_and_nothing_without_any()
    {
        var state = Replay(TestJobs.Spec([1]), new RunStarted(T0, 11, "aws:2"));
        Assert.That(state.Cost, Is.Zero, "a job without cloud instances costs nothing");
        Assert.That(state.Instances, Is.Empty);

        state.Apply(Cost("i-1", 0.10, ended: false));
        state.Apply(Cost("i-2", 0.05, ended: true));
        state.Apply(Cost("i-1", 0.25, ended: true));
        state.Apply(new RunStarted(T0.AddDays(1), 22, "aws:2"));
        state.Apply(Cost("i-3", 0.02, ended: false));

        Assert.That(state.Cost, Is.EqualTo(0.32).Within(1e-9), "0.25 + 0.05 + 0.02: i-1's earlier 0.10 no longer counts");
        Assert.That(state.Instances.Keys.Order(), Is.EqualTo(new[] { "i-1", "i-2", "i-3" }), "a new run keeps the instances of the runs before");
        Assert.That(state.Instances["i-1"].Usd, Is.EqualTo(0.25));
    }

    [Test]
    public void A_journal_whose_frame_change_contradicts_the_frame_state_is_refused()
    {
        var records = Journal(TestJobs.Spec([1, 2]),
            Change(1, FrameState.Queued, FrameState.Assigned, "a"),
            Change(1, FrameState.Rendering, FrameState.Transferring, "a"));

        var error = Assert.Throws<InvalidDataException>(() => JobState.Replay(records));
        Assert.That(error.Message, Is.EqualTo("The journal moves frame 1 from Rendering to Transferring, but it was Assigned."));
    }

    [Test]
    public void A_journal_with_a_transition_the_rules_forbid_is_refused_even_if_it_starts_where_the_frame_is()
    {
        var records = Journal(TestJobs.Spec([1]), Change(1, FrameState.Queued, FrameState.Rendering, "a"));

        Assert.Throws<InvalidDataException>(() => JobState.Replay(records));
    }

    [Test]
    public void A_journal_that_moves_a_frame_the_job_does_not_have_is_refused()
    {
        var records = Journal(TestJobs.Spec([1]), Change(7, FrameState.Queued, FrameState.Assigned, "a"));

        var error = Assert.Throws<InvalidDataException>(() => JobState.Replay(records));
        Assert.That(error.Message, Does.Contain("frame 7, which the job does not have"));
    }

    [Test]
    public void A_job_of_separate_frame_runs_moves_each_frame_and_refuses_the_frames_between_them()
    {
        var state = Replay(TestJobs.Spec([40, 1, 2, 3, 10]),
            Change(10, FrameState.Queued, FrameState.Assigned, "a"),
            Change(40, FrameState.Queued, FrameState.Assigned, "b"));

        Assert.That(state.Frames.Select(f => f.Frame), Is.EqualTo(new[] { 1, 2, 3, 10, 40 }));
        Assert.That(state.Frame(10).Slot, Is.EqualTo("a"));
        Assert.That(state.Frame(40).Slot, Is.EqualTo("b"));
        Assert.That(state.Frame(3).State, Is.EqualTo(FrameState.Queued));
        Assert.Throws<KeyNotFoundException>(() => state.Frame(4));
        Assert.Throws<InvalidDataException>(() => JobState.Replay(Journal(TestJobs.Spec([1, 3]), Change(2, FrameState.Queued, FrameState.Assigned, "a"))));
    }

    [Test]
    public void A_journal_not_starting_with_the_job_creation_is_refused()
    {
        JournalRecord[] records = [new RunStarted(T0, 1, "local:1"), new JobCreated(TestJobs.Spec([1]))];

        var error = Assert.Throws<InvalidDataException>(() => JobState.Replay(records));
        Assert.That(error.Message, Is.EqualTo("The journal does not start with the job's creation."));
    }

    [Test]
    public void An_empty_journal_holds_no_job()
    {
        var error = Assert.Throws<InvalidDataException>(() => JobState.Replay([]));
        Assert.That(error.Message, Is.EqualTo("The journal holds no job."));
    }

    [Test]
    public void A_journal_holds_one_job_only()
    {
        var records = Journal(TestJobs.Spec([1]), new JobCreated(TestJobs.Spec([2])));

        Assert.Throws<InvalidDataException>(() => JobState.Replay(records));
    }

    private static FrameChanged Change(int frame, FrameState from, FrameState to, string? slot, int attempts = 0, string? detail = null) =>
        new(frame, from, to, T0, slot, attempts, detail, null, null);

    private static InstanceCostRecorded Cost(string instance, double usd, bool ended) =>
        new(instance, "g5.xlarge", "eu-west-1b", 0.40, T0, T0.AddHours(1), usd, ended, T0.AddHours(1));

    private static JournalRecord[] Journal(JobSpec spec, params JournalRecord[] records) => [new JobCreated(spec), .. records];

    private static JobState Replay(JobSpec spec, params JournalRecord[] records) => JobState.Replay(Journal(spec, records));
}
