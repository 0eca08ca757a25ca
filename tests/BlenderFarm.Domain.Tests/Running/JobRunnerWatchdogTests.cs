using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Running;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Fakes;
using BlenderFarm.Domain.Tests.Support;
using BlenderFarm.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Running;

/// <summary>The frame watchdog in a whole run, on a fake clock: a hung slot's frame is taken from it and rendered once.</summary>
[TestFixture]
public sealed class JobRunnerWatchdogTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    [Test]
    public async Task A_frame_that_hangs_is_taken_from_its_slot_after_the_limit_and_the_job_renders_every_frame_once()
    {
        using var temp = new TempFolder();
        var script = new RenderScript();
        var hang = new TaskCompletionSource();
        script.HoldUntil(5, hang.Task); // frame 5 hangs once, as a SIGSTOPped Blender would
        var output = temp.Combine("out");
        Directory.CreateDirectory(output);
        var spec = TestJobs.Spec(TestJobs.Frames(1, 10), new ChunkPolicy(1), outputDirectory: output);
        var state = JobState.New(spec);
        var journal = new InMemoryJobJournal(spec);
        var time = new FakeTimeProvider(TestJobs.CreatedAt);
        var slots = new[] { "slot-1", "slot-2" }.Select(id => new FakeWorkerSlot(id, temp.Combine("workers"), script)).ToList();
        // No copies: the idle slot would otherwise render a copy of the hung frame before the watchdog's limit (see JobRunnerCopyTests).
        var options = new SchedulerOptions { StuckFloor = TimeSpan.FromSeconds(60), WatchdogInterval = TimeSpan.FromSeconds(5), CopySaving = null };
        var scheduler = new JobScheduler(state, journal, time, options, slots.Select(s => s.Id));
        scheduler.StartRun(1, "fake", _ => true, _ => null);
        var runner = new JobRunner(scheduler, slots, new MarkerFrameVerifier(spec), new FileFrameStore(spec), NullLogger<JobRunner>.Instance);

        var run = runner.RunAsync(CancellationToken.None);
        // Read through the scheduler's lock: the state changes on the slots' threads meanwhile.
        await Until(() => scheduler.Progress() is { Done: 9, InFlight: 1 } progress && progress.Slots.Any(s => s.Doing == "rendering 5"));
        Assert.That(run.IsCompleted, Is.False, "frame 5 hangs and nothing else moves it");
        var hungOn = state.Frame(5).Slot;

        time.Advance(TimeSpan.FromSeconds(61));
        await run.WaitAsync(Safety);

        Assert.That(state.Frames.Select(f => f.State), Has.All.EqualTo(Done));
        Assert.That(journal.FrameChanges.Where(c => c.To == Done).GroupBy(c => c.Frame).Select(g => g.Count()), Has.All.EqualTo(1));
        var requeued = journal.ChangesOf(5).Single(c => c.To == Queued);
        Assert.That((requeued.From, requeued.Slot), Is.EqualTo((Rendering, hungOn)));
        Assert.That(requeued.Detail, Is.EqualTo("stuck: no progress on frame 5 for 1m01s (limit 1m00s); its Blender was stopped"));
        Assert.That(state.Frame(5).FailedAttempts, Is.EqualTo(1));
        Assert.That(journal.ChangesOf(5).Single(c => c.To == Done).Slot, Is.Not.EqualTo(hungOn), "it rendered on the other slot");
        Assert.That(state.RetiredSlots, Is.Empty);
    }

    private static async Task Until(Func<bool> condition)
    {
        using var safety = new CancellationTokenSource(Safety);
        while (!condition())
        {
            await Task.Delay(5, safety.Token);
        }
    }
}
