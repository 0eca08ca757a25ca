using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Tests.Fakes;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Application.Tests.Queue;

/// <summary>
/// The farm's queue over the service, with an engine that renders nothing: which job holds the pool's places, and
/// how they move. (The integration tests run the same queue with real Blender.)
/// </summary>
[TestFixture]
public sealed partial class JobQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private TempFolder _home = null!;
    private JobStore _store = null!;
    private FakeJobEngine _engine = null!;
    private JobService _service = null!;
    private MemoryQueueStore _saved = null!;

    [SetUp]
    public void Start()
    {
        _home = new TempFolder();
        _store = new JobStore(_home.Path);
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 14, 10, 0, 0, TimeSpan.Zero));
        _engine = new FakeJobEngine(_store, time);
        _service = new JobService(_store, _engine, time);
        _saved = new MemoryQueueStore();
    }

    [TearDown]
    public void Stop() => _home.Dispose();

    [Test]
    public async Task The_first_job_gets_every_place_and_a_higher_priority_job_gets_each_one_only_once_it_is_given_back()
    {
        var queue = NewQueue(slots: 2);
        await queue.SubmitAsync(Submit("low"), 1, paused: false, CancellationToken.None);
        var low = await RunOfAsync("low");
        var lowPlaces = new[] { await NextLoanAsync(low), await NextLoanAsync(low) };

        await queue.SubmitAsync(Submit("high"), 9, paused: false, CancellationToken.None);

        Assert.That(lowPlaces.Select(l => l.Number), Is.EquivalentTo(new[] { 1, 2 }));
        Assert.That(lowPlaces.Select(l => l.IsRecalled), Has.All.True, "the high job wants the places back");
        Assert.That(_engine.Runs, Has.Count.EqualTo(1), "no place is lent twice: the high job waits for one to come back");
        Assert.That(queue.SlotsLent, Is.EqualTo(2));

        lowPlaces[0].Return(); // the low job's slot finished its chunk
        var high = await RunOfAsync("high");
        var first = await NextLoanAsync(high);
        Assert.That(first.Number, Is.EqualTo(lowPlaces[0].Number));
        Assert.That(queue.SlotsLent, Is.EqualTo(2), "the other place is still the low job's until its chunk ends");

        lowPlaces[1].Return();
        Assert.That((await NextLoanAsync(high)).Number, Is.EqualTo(lowPlaces[1].Number));
        Assert.That(queue.List().Select(e => (e.JobId, e.Place, e.Slots)),
            Is.EqualTo(new[] { ("high", QueuePlace.Rendering, 2), ("low", QueuePlace.Waiting, 0) }));
    }

    [Test]
    public async Task Paused_jobs_resumed_together_are_served_by_priority_then_submit_order_and_each_ended_job_hands_on_its_places()
    {
        var queue = NewQueue(slots: 1);
        foreach (var (id, priority) in new[] { ("a", 1), ("b", 5), ("c", 5), ("d", 9) })
        {
            await queue.SubmitAsync(Submit(id), priority, paused: true, CancellationToken.None);
        }

        Assert.That(_engine.Runs, Is.Empty, "paused jobs get no place");
        queue.Resume(["a", "b", "c", "d"]);

        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var run = await NextRunAsync(i);
            order.Add(run.State.Spec.JobId);
            (await NextLoanAsync(run)).Return(); // its slot stops: the run is over
            run.Finish();
        }

        Assert.That(order, Is.EqualTo(new[] { "d", "b", "c", "a" }));
    }

    [Test]
    public async Task A_new_queue_on_the_saved_queue_carries_on_with_the_jobs_that_did_not_complete_in_their_order()
    {
        var before = NewQueue(slots: 1);
        await before.SubmitAsync(Submit("first"), 1, paused: true, CancellationToken.None);
        await before.SubmitAsync(Submit("second"), 3, paused: false, CancellationToken.None);
        var second = await RunOfAsync("second");
        await NextLoanAsync(second);
        await second.DisposeAsync(); // the farm died: the job is no longer held, its journal says running

        var restarted = new FakeJobEngine(_store, TimeProvider.System);
        var after = NewQueue(slots: 1, new JobService(_store, restarted, TimeProvider.System));
        await RunOfAsync("second", restarted);

        Assert.That(after.List().Select(e => (e.JobId, e.Priority, e.Place)),
            Is.EqualTo(new[] { ("second", 3, QueuePlace.Rendering), ("first", 1, QueuePlace.Paused) }));
    }

    [Test]
    public async Task Pausing_the_rendering_job_stops_its_run_and_hands_its_place_to_the_next_job()
    {
        var queue = NewQueue(slots: 1);
        await queue.SubmitAsync(Submit("first"), 5, paused: false, CancellationToken.None);
        await queue.SubmitAsync(Submit("second"), 1, paused: false, CancellationToken.None);
        var place = await NextLoanAsync(await RunOfAsync("first"));

        queue.Pause(["first"]);

        Assert.That((await NextLoanAsync(await RunOfAsync("second"))).Number, Is.EqualTo(place.Number));
        Assert.That(_service.Describe("first").Phase, Is.EqualTo(JobPhase.Paused));
        Assert.That(queue.List().Select(e => (e.JobId, e.Place)), Is.EqualTo(new[] { ("first", QueuePlace.Paused), ("second", QueuePlace.Rendering) }));
    }

    [Test]
    public async Task A_job_waiting_for_its_first_run_reads_queued_and_still_does_after_the_farm_restarts()
    {
        var before = NewQueue(slots: 1);
        await before.SubmitAsync(Submit("first"), 5, paused: false, CancellationToken.None);
        await before.SubmitAsync(Submit("second"), 1, paused: false, CancellationToken.None);
        var first = await RunOfAsync("first");

        Assert.That(_service.Describe("second").Phase, Is.EqualTo(JobPhase.Queued), "it waits for the place the first job has");
        Assert.That(_store.Read("second").Status, Is.EqualTo(JobStatus.Queued), "journaled through the job's state machine");
        Assert.That(before.List().Select(e => (e.JobId, e.Place)), Is.EqualTo(new[] { ("first", QueuePlace.Rendering), ("second", QueuePlace.Waiting) }));

        await first.DisposeAsync(); // the farm died
        var restarted = new FakeJobEngine(_store, TimeProvider.System);
        var service = new JobService(_store, restarted, TimeProvider.System);
        Assert.That(service.Describe("second").Phase, Is.EqualTo(JobPhase.Queued), "no farm runs: the job that never ran is still queued, not interrupted");

        NewQueue(slots: 1, service);
        await RunOfAsync("first", restarted);

        Assert.That(service.Describe("second").Phase, Is.EqualTo(JobPhase.Queued));
        Assert.That(_store.Read("second").Runs, Is.Zero);
    }

    [Test]
    public async Task A_waiting_job_paused_then_resumed_reads_paused_then_queued()
    {
        var queue = NewQueue(slots: 1);
        await queue.SubmitAsync(Submit("first"), 5, paused: false, CancellationToken.None);
        await queue.SubmitAsync(Submit("second"), 1, paused: true, CancellationToken.None);
        await RunOfAsync("first");
        Assert.That(_service.Describe("second").Phase, Is.EqualTo(JobPhase.Paused));

        queue.Resume(["second"]);
        Assert.That(_service.Describe("second").Phase, Is.EqualTo(JobPhase.Queued));

        queue.Pause(["second"]);
        Assert.That(_service.Describe("second"), Has.Property(nameof(JobSummary.Phase)).EqualTo(JobPhase.Paused).And.Property(nameof(JobSummary.Reason)).EqualTo(QueueMessages.PausedByUser));
    }

    [Test]
    public async Task A_job_whose_run_cannot_start_stays_in_the_queue_as_failed_with_the_reason_and_the_next_job_gets_the_place()
    {
        const string why = "The job's scene /projects/shot010.blend is gone: put it back to resume job broken.";
        _engine.CannotStart["broken"] = why;
        var queue = NewQueue(slots: 1);
        await queue.SubmitAsync(Submit("broken"), 9, paused: false, CancellationToken.None);
        await queue.SubmitAsync(Submit("next"), 1, paused: false, CancellationToken.None);

        var next = await RunOfAsync("next");

        Assert.That((await NextLoanAsync(next)).Number, Is.EqualTo(1));
        Assert.That(queue.List().Select(e => (e.JobId, e.Place, e.Reason)),
            Is.EqualTo(new[] { ("broken", QueuePlace.Failed, why), ("next", QueuePlace.Rendering, (string?)null) }));
        Assert.That(_service.Describe("broken"), Has.Property(nameof(JobSummary.Phase)).EqualTo(JobPhase.Failed).And.Property(nameof(JobSummary.Reason)).EqualTo(why));

        queue.Pause(["next"]);
        await UntilAsync(() => !_service.IsLive("next"), "the next job's run stopped");
        var restarted = NewQueue(slots: 1, new JobService(_store, new FakeJobEngine(_store, TimeProvider.System), TimeProvider.System));
        Assert.That(restarted.List().Select(e => (e.JobId, e.Place, e.Reason)),
            Is.EqualTo(new[] { ("broken", QueuePlace.Failed, why), ("next", QueuePlace.Paused, (string?)null) }), "a restart keeps it visible");

        _engine.CannotStart.Remove("broken");
        queue.Resume(["broken"]);
        await RunOfAsync("broken");
        Assert.That(FileJobJournal.Read(_store.JournalPath("broken")).Records.OfType<JobStatusChanged>().Select(s => s.Status),
            Is.EqualTo(new[] { JobStatus.Queued, JobStatus.Failed, JobStatus.Queued, JobStatus.Running }), "resumed, it waited in the queue again, then ran");
        Assert.That(queue.List()[0], Has.Property(nameof(QueueEntry.Place)).EqualTo(QueuePlace.Rendering).And.Property(nameof(QueueEntry.Reason)).Null);
    }

    [Test]
    public async Task A_job_with_only_frames_in_flight_hands_its_idle_place_to_the_next_job_and_gets_one_back_when_a_frame_is_queued_again()
    {
        var queue = NewQueue(slots: 2);
        await queue.SubmitAsync(Submit("first"), 5, paused: false, CancellationToken.None);
        var first = await RunOfAsync("first");
        SlotLoan[] places = [await NextLoanAsync(first), await NextLoanAsync(first)];
        await queue.SubmitAsync(Submit("second"), 1, paused: false, CancellationToken.None);
        Assert.That(places.Select(p => p.IsRecalled), Has.All.False, "the first job still has frames to start");

        // Frame 4 started on one place: nothing is left to start, the other place idles.
        first.Observer!.OnFrameChanged(new FrameChanged(4, FrameState.Queued, FrameState.Assigned, DateTimeOffset.UnixEpoch, "local-1", 0, null, null, null), Progress(done: 3, queued: 0, inFlight: 1));
        await UntilAsync(() => places.All(p => p.IsRecalled), "the first job's places are asked back for the second job");
        Assert.That(places.Select(p => p.RecallReason), Has.All.EqualTo(QueueMessages.SlotHandedOn));

        places[1].Return(); // the idle slot leaves at once; the other renders frame 4 on
        var second = await RunOfAsync("second");
        var handed = await NextLoanAsync(second);
        Assert.That(handed.Number, Is.EqualTo(places[1].Number));
        Assert.That(queue.SlotsLent, Is.EqualTo(2), "never more places lent than the pool has");
        Assert.That(queue.List().Select(e => (e.JobId, e.Place, e.Slots)), Is.EqualTo(new[] { ("first", QueuePlace.Rendering, 1), ("second", QueuePlace.Rendering, 1) }));

        // Frame 4 failed and is queued again: the first job (higher priority) wants a place back.
        first.Observer.OnProgress(Progress(done: 3, queued: 1, inFlight: 0));
        await UntilAsync(() => handed.IsRecalled, "the second job's place is asked back at its next chunk");
        Assert.That(queue.SlotsLent, Is.EqualTo(2));
        handed.Return();
        Assert.That((await NextLoanAsync(first)).Number, Is.EqualTo(handed.Number), "the place came back to the first job");
        Assert.That(queue.SlotsLent, Is.EqualTo(2));
    }

    [Test]
    public async Task A_job_with_only_frames_in_flight_keeps_its_places_while_no_other_job_waits()
    {
        var queue = NewQueue(slots: 2);
        await queue.SubmitAsync(Submit("only"), 5, paused: false, CancellationToken.None);
        var only = await RunOfAsync("only");
        SlotLoan[] places = [await NextLoanAsync(only), await NextLoanAsync(only)];

        only.Observer!.OnProgress(Progress(done: 3, queued: 0, inFlight: 1));
        await queue.SubmitAsync(Submit("paused"), 1, paused: true, CancellationToken.None); // one more rebalance, after the progress

        Assert.That(places.Select(p => p.IsRecalled), Has.All.False, "its idle slot may still render a copy of the last frame");
    }

    [Test]
    public void Changing_the_priority_of_a_job_that_is_not_queued_is_refused_with_one_sentence()
    {
        var queue = NewQueue(slots: 1);

        Assert.That(() => queue.SetPriority("nope", 3), Throws.TypeOf<KeyNotFoundException>().With.Message.EqualTo(QueueMessages.NotQueued("nope")));
    }

    private JobQueue NewQueue(int slots, JobService? service = null)
    {
        var queue = new JobQueue(service ?? _service, _saved, new Workers(), slots, _ => NoObserver.Instance, NullLogger.Instance);
        queue.Start();
        return queue;
    }

    private async Task<FakeRun> RunOfAsync(string jobId, FakeJobEngine? engine = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if ((engine ?? _engine).Runs.FirstOrDefault(r => r.State.Spec.JobId == jobId) is { } run && run.Observer is not null)
            {
                return run;
            }

            await Task.Delay(10);
        }

        throw new AssertionException($"job {jobId} never started");
    }

    private async Task<FakeRun> NextRunAsync(int index)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (_engine.Runs is var runs && (runs.Count <= index || runs[index].Observer is null))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException($"run {index + 1} never started");
            }

            await Task.Delay(10);
        }

        return _engine.Runs[index];
    }

    private static async Task<SlotLoan> NextLoanAsync(FakeRun run)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await run.Loans!.ReadAsync(timeout.Token);
    }

    private static JobProgress Progress(int done, int queued, int inFlight) =>
        new(4, done, 0, queued, inFlight, null, null, TimeSpan.FromSeconds(done), [], 0);

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new AssertionException($"never: {what}");
            }

            await Task.Delay(10);
        }
    }

    private static SubmitJob Submit(string jobId) => new("/projects/shot010.blend", null, null, new Workers(), new ChunkPolicy(1), null, false, jobId);

    private sealed record Workers : IWorkersChoice;
}
