using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Tests.Fakes;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Application.Tests;

[TestFixture]
public sealed partial class JobServiceTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 10, 0, 0, TimeSpan.Zero);
    private TempFolder _home = null!;
    private JobStore _store = null!;
    private FakeTimeProvider _time = null!;
    private FakeJobEngine _engine = null!;
    private JobService _service = null!;

    [SetUp]
    public void Start()
    {
        _home = new TempFolder();
        _store = new JobStore(_home.Path);
        _time = new FakeTimeProvider(T0);
        _engine = new FakeJobEngine(_store, _time);
        _service = new JobService(_store, _engine, _time);
    }

    [TearDown]
    public void Stop() => _home.Dispose();

    [Test]
    public async Task A_running_job_is_described_from_memory_on_every_tick_and_its_journal_is_read_once_it_ended()
    {
        var running = await _service.SubmitAsync(Submit("job-1"), NoObserver.Instance, CancellationToken.None);
        var run = _engine.Last;
        foreach (var frame in new[] { 1, 2, 3 })
        {
            run.Observer!.OnFrameChanged(
                new FrameChanged(frame, FrameState.Transferring, FrameState.Done, T0, "local-1", 0, null, 2.5, 100), run.Progress(done: frame));
        }

        var ticks = Enumerable.Range(0, 100).Select(_ => _service.Describe("job-1")).ToList();

        Assert.That(_service.JournalReads, Is.Zero, "a job rendered here is never read back from its journal");
        Assert.That(ticks[^1].Phase, Is.EqualTo(JobPhase.Running));
        Assert.That(ticks[^1].IsLive, Is.True);
        Assert.That((ticks[^1].Done, ticks[^1].Queued), Is.EqualTo((3, 1)));
        Assert.That(ticks[^1].LastFrame, Is.EqualTo(new FinishedFrame(3, running.Spec.FramePath(3), "local-1", 2.5)));

        run.Finish();
        var outcome = await running.Completion;
        var ended = _service.Describe("job-1");
        _service.Describe("job-1");

        Assert.That(outcome.Status, Is.EqualTo(JobStatus.Completed));
        Assert.That((ended.Phase, ended.IsLive), Is.EqualTo((JobPhase.Completed, false)));
        Assert.That(_service.JournalReads, Is.EqualTo(1), "read once when the run ended, then kept until the journal changes");
        Assert.That(run.Disposed, Is.True, "the job is released");
    }

    [Test]
    public async Task The_hosts_of_a_run_and_their_Blender_versions_are_described_while_it_runs_and_from_the_journal_after()
    {
        WorkerHost[] hosts = [new("render@gpu1", "4.3.2", 2), new("render@gpu2:2222", "5.2.2", 1)];
        _engine.Hosts = hosts;
        var running = await _service.SubmitAsync(Submit("job-h"), NoObserver.Instance, CancellationToken.None);

        Assert.That(_service.Describe("job-h").Hosts, Is.EqualTo(hosts), "live, from the run's start");

        _engine.Last.Finish();
        await running.Completion;

        Assert.That((_service.Describe("job-h").IsLive, _service.JournalReads), Is.EqualTo((false, 1)));
        Assert.That(_service.Describe("job-h").Hosts, Is.EqualTo(hosts), "read back from the journal");
    }

    [Test]
    public void A_job_whose_journal_says_running_is_interrupted_unless_a_coordinator_holds_it()
    {
        var lease = _store.Create(TestJobs.Spec([1, 2], jobId: "job-2"));

        Assert.That(_service.Describe("job-2").Phase, Is.EqualTo(JobPhase.Running), "held: some coordinator renders it");

        lease.Dispose();

        Assert.That(_service.Describe("job-2").Phase, Is.EqualTo(JobPhase.Interrupted), "nobody holds it: its coordinator died");
        Assert.That(_service.Describe("job-2").CanResume, Is.True);
    }

    [Test]
    public async Task Cancel_marks_a_job_nobody_renders_cancelled_in_its_journal_and_a_second_cancel_changes_nothing()
    {
        _store.Create(TestJobs.Spec([1, 2], jobId: "job-3")).Dispose();

        var first = await _service.CancelAsync(new CancelJob("job-3", Wait: true), CancellationToken.None);
        var records = JournalOf("job-3").Count;
        var second = await _service.CancelAsync(new CancelJob("job-3", Wait: true), CancellationToken.None);

        Assert.That(first.Effect, Is.EqualTo(CancelEffect.Cancelled));
        Assert.That(first.Job.Phase, Is.EqualTo(JobPhase.Cancelled));
        Assert.That(JournalOf("job-3")[^1], Is.EqualTo(new JobStatusChanged(JobStatus.Cancelled, T0, JobMessages.CancelledByUser)));
        Assert.That(second.Effect, Is.EqualTo(CancelEffect.Unchanged));
        Assert.That(JournalOf("job-3"), Has.Count.EqualTo(records), "nothing more is journaled");
    }

    [Test]
    public async Task Cancel_stops_a_run_of_this_process_through_the_run_itself_not_a_request_file()
    {
        var running = await _service.SubmitAsync(Submit("job-4"), NoObserver.Instance, CancellationToken.None);

        var result = await _service.CancelAsync(new CancelJob("job-4", Wait: true), CancellationToken.None);
        var outcome = await running.Completion;

        Assert.That(result.Effect, Is.EqualTo(CancelEffect.Stopped));
        Assert.That(outcome.Status, Is.EqualTo(JobStatus.Cancelled));
        Assert.That(result.Job.Phase, Is.EqualTo(JobPhase.Cancelled));
        Assert.That(JournalOf("job-4")[^1], Is.EqualTo(new JobStatusChanged(JobStatus.Cancelled, T0, JobMessages.CancelledByUser)));
    }

    [Test]
    public async Task Pausing_every_run_journals_each_as_paused_with_the_reason()
    {
        var a = await _service.SubmitAsync(Submit("job-5"), NoObserver.Instance, CancellationToken.None);
        var b = await _service.SubmitAsync(Submit("job-6"), NoObserver.Instance, CancellationToken.None);

        Assert.That(_service.PauseAll(JobMessages.StoppedByUser), Is.EqualTo(2));
        var outcomes = await Task.WhenAll(a.Completion, b.Completion);

        Assert.That(outcomes.Select(o => o.Status), Is.All.EqualTo(JobStatus.Paused));
        Assert.That(_service.Describe("job-5").Reason, Is.EqualTo(JobMessages.StoppedByUser));
        Assert.That(_service.RunningJobs, Is.Zero);
    }

    [Test]
    public void Resuming_a_job_another_coordinator_holds_is_refused_as_busy_with_one_sentence()
    {
        using var other = _store.Create(TestJobs.Spec([1], jobId: "job-7"));

        var refused = Assert.ThrowsAsync<JobBusyException>(() => _service.ResumeAsync(new ResumeJob("job-7", null, null), NoObserver.Instance, CancellationToken.None));

        Assert.That(refused!.Message, Is.EqualTo(JobMessages.Busy("job-7")));
    }

    [Test]
    public void A_job_id_that_is_not_in_the_store_or_not_an_id_is_not_found()
    {
        Assert.That(() => _service.Describe("nope"), Throws.TypeOf<KeyNotFoundException>().With.Message.EqualTo(JobMessages.NotFound("nope", _store.JobsFolder)));
        Assert.That(() => _service.Describe("../etc"), Throws.TypeOf<KeyNotFoundException>());
    }

    private List<JournalRecord> JournalOf(string jobId) => [.. FileJobJournal.Read(_store.JournalPath(jobId)).Records];

    private static SubmitJob Submit(string jobId) => new("/projects/shot010.blend", null, null, new Workers(), new ChunkPolicy(1), null, false, jobId);

    private sealed record Workers : IWorkersChoice;
}
