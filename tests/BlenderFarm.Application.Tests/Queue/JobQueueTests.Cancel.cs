using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Tests.Fakes;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Application.Tests.Queue;

/// <summary>Cancel and pause of a queued job, in either order and while its run is still stopping.</summary>
public sealed partial class JobQueueTests
{
    [Test]
    public async Task A_job_paused_then_cancelled_while_its_run_hands_back_its_frames_ends_cancelled_and_leaves_the_queue()
    {
        var (queue, run) = await RenderSlowToStopAsync("shot");
        await queue.SubmitAsync(Submit("next"), 1, paused: false, CancellationToken.None);
        run.Verified(1);

        queue.Pause(["shot"]);
        var cancel = await queue.CancelAsync("shot", CancellationToken.None); // the run still hands its frames back
        run.HandBackFrames();
        run.Close();

        Assert.That(cancel.Effect, Is.EqualTo(CancelEffect.Stopped));
        await UntilAsync(() => queue.List().All(e => e.JobId != "shot"), "the cancelled job left the queue");
        Assert.That(_service.Describe("shot"), Has.Property(nameof(JobSummary.Phase)).EqualTo(JobPhase.Cancelled)
            .And.Property(nameof(JobSummary.Reason)).EqualTo(JobMessages.CancelledByUser));
        Assert.That(Statuses("shot"), Is.EqualTo(new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Cancelled }), "the cancel overrode the pause");
        Assert.That(run.Disposed, Is.True);
        Assert.That(_store.Read("shot").Frame(1).State, Is.EqualTo(FrameState.Done), "its verified frame stays done");
        await NextLoanAsync(await RunOfAsync("next"));
        Assert.That(_engine.Runs.Count(r => r.State.Spec.JobId == "shot"), Is.EqualTo(1), "the cancelled job never runs again");
    }

    [Test]
    public async Task A_job_cancelled_after_its_paused_run_journaled_the_pause_is_journaled_cancelled_and_leaves_the_queue()
    {
        var (queue, run) = await RenderSlowToStopAsync("shot");

        run.Verified(2);
        queue.Pause(["shot"]);
        run.HandBackFrames();
        await UntilAsync(() => _store.Read("shot").Status == JobStatus.Paused, "the run journaled its pause");
        await queue.CancelAsync("shot", CancellationToken.None); // its workers are still shutting down
        run.Close();

        await UntilAsync(() => queue.List().Count == 0 && queue.Runs.All(r => r.IsCompleted), "the cancelled job left the queue");
        Assert.That(_service.Describe("shot"), Has.Property(nameof(JobSummary.Phase)).EqualTo(JobPhase.Cancelled)
            .And.Property(nameof(JobSummary.Reason)).EqualTo(JobMessages.CancelledByUser));
        Assert.That(Statuses("shot"), Is.EqualTo(new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Paused, JobStatus.Cancelled }));
        Assert.That(queue.SlotsLent, Is.Zero);
        Assert.That(_store.Read("shot").Frame(2).State, Is.EqualTo(FrameState.Done), "its verified frame stays done");
    }

    [Test]
    public async Task Pausing_a_job_being_cancelled_is_refused_with_one_sentence_and_it_still_ends_cancelled()
    {
        var (queue, run) = await RenderSlowToStopAsync("shot");

        await queue.CancelAsync("shot", CancellationToken.None);

        Assert.That(() => queue.Pause(["shot"]), Throws.TypeOf<JobConflictException>().With.Message.EqualTo(QueueMessages.BeingCancelled("shot")));
        run.HandBackFrames();
        run.Close();
        await UntilAsync(() => queue.List().Count == 0 && queue.Runs.All(r => r.IsCompleted), "the cancelled job left the queue");
        Assert.That(Statuses("shot"), Is.EqualTo(new[] { JobStatus.Queued, JobStatus.Running, JobStatus.Cancelled }));
    }

    [Test]
    public async Task Resuming_a_job_being_cancelled_is_refused_with_one_sentence_and_it_still_ends_cancelled()
    {
        var (queue, run) = await RenderSlowToStopAsync("shot");
        queue.Pause(["shot"]);
        await queue.CancelAsync("shot", CancellationToken.None);

        Assert.That(() => queue.Resume(["shot"]), Throws.TypeOf<JobConflictException>().With.Message.EqualTo(QueueMessages.BeingCancelled("shot")));
        run.HandBackFrames();
        run.Close();
        await UntilAsync(() => queue.List().Count == 0 && queue.Runs.All(r => r.IsCompleted), "the cancelled job left the queue");
        Assert.That(Statuses("shot").Last(), Is.EqualTo(JobStatus.Cancelled));
        Assert.That(Statuses("shot").Count(s => s == JobStatus.Queued), Is.EqualTo(1), "queued once, when submitted: the resume did not queue it again");
    }

    [Test]
    public async Task Cancelling_a_job_whose_run_could_not_start_takes_it_out_of_the_queue_journaled_cancelled()
    {
        _engine.CannotStart["broken"] = "The job's scene /projects/shot010.blend is gone: put it back to resume job broken.";
        var queue = NewQueue(slots: 1);
        await queue.SubmitAsync(Submit("broken"), 9, paused: false, CancellationToken.None);
        await UntilAsync(() => queue.List().Single().Place == QueuePlace.Failed, "its run failed to start");

        await queue.CancelAsync("broken", CancellationToken.None);

        Assert.That(queue.List(), Is.Empty);
        Assert.That(Statuses("broken"), Is.EqualTo(new[] { JobStatus.Queued, JobStatus.Failed, JobStatus.Cancelled }));
        Assert.That(NewQueue(slots: 1, new JobService(_store, new FakeJobEngine(_store, TimeProvider.System), TimeProvider.System)).List(),
            Is.Empty, "a restart does not bring it back");
    }

    /// <summary>A queue of one place rendering the job on a run that is slow to stop.</summary>
    private async Task<(JobQueue Queue, FakeRun Run)> RenderSlowToStopAsync(string jobId)
    {
        _engine.SlowToStop = true;
        var queue = NewQueue(slots: 1);
        await queue.SubmitAsync(Submit(jobId), 5, paused: false, CancellationToken.None);
        var run = await RunOfAsync(jobId);
        await NextLoanAsync(run);
        return (queue, run);
    }

    private JobStatus[] Statuses(string jobId) =>
        [.. FileJobJournal.Read(_store.JournalPath(jobId)).Records.OfType<JobStatusChanged>().Select(s => s.Status)];
}
