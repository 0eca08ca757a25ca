using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Fakes;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Domain.Tests.Scheduling;

/// <summary>With group commit, nobody acts on a transition before its record is durable.</summary>
[TestFixture]
public sealed class JobSchedulerDurabilityTests
{
    private static (JobScheduler Scheduler, GatedJobJournal Journal) Started(int frames, params string[] slots)
    {
        var journal = new GatedJobJournal { Closed = false };
        var scheduler = new JobScheduler(JobState.New(TestJobs.Spec(TestJobs.Frames(1, frames))), journal, new FakeTimeProvider(SchedulerHarness.Start),
            new SchedulerOptions(), slots);
        scheduler.StartRun(1001, "local:1", _ => true, _ => null);
        journal.Closed = true;
        return (scheduler, journal);
    }

    [Test]
    public async Task A_slot_gets_its_chunk_only_once_the_assignment_is_durable()
    {
        var (scheduler, journal) = Started(2, "local-1");

        var take = scheduler.TakeChunkAsync("local-1", CancellationToken.None);
        await Task.Delay(50);
        Assert.That(take.IsCompleted, Is.False, "the assignment is not on disk yet");

        journal.Flush();

        Assert.That((await take)!.Frames, Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public async Task A_frame_is_reported_done_to_its_slot_only_once_the_record_is_durable()
    {
        var (scheduler, journal) = Started(1, "local-1");
        journal.Closed = false;
        Assert.That(scheduler.TryTakeChunk("local-1")!.Frames, Is.EqualTo(new[] { 1 }));
        scheduler.FrameStarted("local-1", 1);
        scheduler.FrameRendered("local-1", 1, 10);
        journal.Closed = true;

        var completed = scheduler.FrameCompletedAsync("local-1", 1, 1000);
        await Task.Delay(50);
        Assert.That(completed.IsCompleted, Is.False, "Done is not on disk yet");

        journal.Flush();

        Assert.That(await completed, Is.True);
        Assert.That(scheduler.Progress().Done, Is.EqualTo(1));
    }
}
