using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Ports;
using BlenderFarm.Application.Tests.Fakes;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Application.Tests;

/// <summary>
/// Cancelling a job another process renders (a one-shot <c>render</c>): a second job service on the same store stands
/// for the process that cancels; the request goes through the run channel, never a file in the job folder.
/// </summary>
public sealed partial class JobServiceTests
{
    [Test]
    public async Task Cancel_asks_the_process_rendering_the_job_through_its_run_channel_and_waits_until_it_lets_the_job_go()
    {
        var running = await _service.SubmitAsync(Submit("job-1"), NoObserver.Instance, CancellationToken.None);
        var channel = new LinkedRunChannel(_service);
        var canceller = Canceller(channel);

        var result = await AdvanceUntilDone(canceller.CancelAsync(new CancelJob("job-1", Wait: true), CancellationToken.None));
        var outcome = await running.Completion;

        Assert.That(channel.Asked, Is.EqualTo(new[] { ("job-1", RunStop.Cancel, JobMessages.CancelledByUser) }), "asked once");
        Assert.That(outcome.Status, Is.EqualTo(JobStatus.Cancelled), "the renderer's run ended cancelled");
        Assert.That(result.Effect, Is.EqualTo(CancelEffect.Stopped));
        Assert.That(result.Job.Phase, Is.EqualTo(JobPhase.Cancelled));
        Assert.That(_store.IsTaken("job-1"), Is.False);
        Assert.That(Directory.GetFiles(_store.JobFolder("job-1")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "journal.bfj", "lock" }),
            "no request file was dropped in the job folder");
    }

    [Test]
    public async Task A_process_that_holds_the_job_but_cannot_be_reached_is_reported_in_one_sentence_and_the_job_is_left_alone()
    {
        using var held = new JobStore(_home.Path).Create(TestJobs.Spec([1, 2], jobId: "job-2"));
        var channel = new LinkedRunChannel(null);
        var canceller = Canceller(channel);

        var result = await AdvanceUntilDone(canceller.CancelAsync(new CancelJob("job-2", Wait: true), CancellationToken.None));

        Assert.That(result.Effect, Is.EqualTo(CancelEffect.Unreachable));
        Assert.That(result.Problem, Is.EqualTo(LinkedRunChannel.Problem));
        Assert.That(channel.Asked, Has.Count.GreaterThan(1), "asked again while waiting, as a run that is just starting has no endpoint yet");
        Assert.That(FileJobJournal.Read(_store.JournalPath("job-2")).Records.OfType<JobStatusChanged>(), Is.Empty, "nothing journaled");
    }

    [Test]
    public async Task A_run_that_lets_the_job_go_while_it_cannot_be_reached_is_cancelled_in_the_journal_directly()
    {
        var held = new JobStore(_home.Path).Create(TestJobs.Spec([1, 2], jobId: "job-3"));
        var channel = new LinkedRunChannel(null);
        var canceller = Canceller(channel);

        var cancelling = canceller.CancelAsync(new CancelJob("job-3", Wait: true), CancellationToken.None);
        held.Dispose(); // its process died
        var result = await AdvanceUntilDone(cancelling);

        Assert.That(result.Effect, Is.EqualTo(CancelEffect.Cancelled));
        Assert.That(result.Job.Phase, Is.EqualTo(JobPhase.Cancelled));
    }

    [Test]
    public async Task A_pause_asked_through_the_channel_pauses_the_run_resumably()
    {
        var running = await _service.SubmitAsync(Submit("job-4"), NoObserver.Instance, CancellationToken.None);

        var taken = _service.StopHere("job-4", RunStop.Pause, "paused by the user");
        var outcome = await running.Completion;

        Assert.That(taken, Is.True);
        Assert.That(outcome.Status, Is.EqualTo(JobStatus.Paused));
        Assert.That(_service.StopHere("job-4", RunStop.Pause, "again"), Is.False, "no run of it here any more");
    }

    [Test]
    public async Task Pause_asks_the_process_rendering_the_job_and_a_job_nobody_renders_is_left_as_it_is()
    {
        var running = await _service.SubmitAsync(Submit("job-5"), NoObserver.Instance, CancellationToken.None);
        _store.Create(TestJobs.Spec([1, 2], jobId: "job-6")).Dispose();
        var channel = new LinkedRunChannel(_service);
        var other = Canceller(channel);

        var paused = await AdvanceUntilDone(other.PauseAsync(new PauseJob("job-5", Wait: true), CancellationToken.None));
        var outcome = await running.Completion;
        var idle = await other.PauseAsync(new PauseJob("job-6", Wait: true), CancellationToken.None);

        Assert.That(channel.Asked, Is.EqualTo(new[] { ("job-5", RunStop.Pause, "paused by the user") }));
        Assert.That((paused.Effect, paused.Job.Phase), Is.EqualTo((PauseEffect.Stopped, JobPhase.Paused)));
        Assert.That(outcome.Status, Is.EqualTo(JobStatus.Paused));
        Assert.That(idle.Effect, Is.EqualTo(PauseEffect.NotRendering));
        Assert.That(FileJobJournal.Read(_store.JournalPath("job-6")).Records.OfType<JobStatusChanged>(), Is.Empty, "nothing journaled");
    }

    private JobService Canceller(IRunChannel channel) =>
        new(_store, new FakeJobEngine(_store, _time), _time) { RunChannel = channel };

    /// <summary>Moves the fake clock on until the call returns (its waits are on that clock).</summary>
    private async Task<T> AdvanceUntilDone<T>(Task<T> call)
    {
        var safety = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!call.IsCompleted && DateTime.UtcNow < safety)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(call, Task.Delay(10));
        }

        return await call;
    }
}
