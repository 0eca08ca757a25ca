using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Tests.Fakes;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Application.Tests.Queue;

/// <summary>
/// The farm's queue over the service, with an engine that renders nothing: which job holds the pool's places, and
/// how they move. (The integration tests run the same queue with real Blender.)
/// </summary>
[TestFixture]
public sealed class JobQueueTests
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

    private async Task<FakeRun> RunOfAsync(string jobId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (_engine.Runs.FirstOrDefault(r => r.State.Spec.JobId == jobId) is { } run && run.Observer is not null)
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

    private static SubmitJob Submit(string jobId) => new("/projects/shot010.blend", null, null, new Workers(), new ChunkPolicy(1), null, false, jobId);

    private sealed record Workers : IWorkersChoice;
}
