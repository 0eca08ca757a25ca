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

/// <summary>Copies of stragglers in a whole run, on a fake clock: the copy that renders first wins, the other is stopped.</summary>
[TestFixture]
public sealed class JobRunnerCopyTests
{
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(30);

    [Test]
    public async Task An_idle_slot_renders_a_copy_of_a_slow_frame_and_the_slow_slot_is_stopped_with_every_frame_done_once()
    {
        using var temp = new TempFolder();
        var script = new RenderScript();
        var slowFrame = new TaskCompletionSource();
        script.HoldUntil(10, slowFrame.Task); // the first attempt at frame 10 does not finish on its own
        var job = await TenFrames.StartAsync(temp, script);
        Assert.That(job.Run.IsCompleted, Is.False, "frame 10 is still rendering, its copy not yet worth it (frames take 1.5 s)");

        // 5 s into a 1.5 s frame: the watchdog's look wakes the idle slot, which renders a copy and wins.
        job.Time.Advance(TimeSpan.FromSeconds(5));
        await job.Run.WaitAsync(Safety);

        var (state, journal) = (job.State, job.Journal);
        Assert.That(state.Frames.Select(f => f.State), Has.All.EqualTo(Done));
        var slowSlot = journal.ChangesOf(10).First(c => c.To == Rendering).Slot;
        Assert.That(journal.FrameChanges.Where(c => c.To == Done).GroupBy(c => c.Frame).Select(g => g.Count()), Has.All.EqualTo(1),
            "every frame done exactly once");
        var won = journal.ChangesOf(10).Single(c => c.To == Transferring);
        Assert.That(won.Slot, Is.Not.EqualTo(slowSlot));
        Assert.That(won.Detail, Does.Contain($"the copy on {slowSlot} was not needed"));
        Assert.That(state.Frame(10).FailedAttempts, Is.Zero, "the stopped copy is not a failure");
        Assert.That(state.RetiredSlots, Is.Empty);
        Assert.That(slowFrame.Task.IsCompleted, Is.False, "the slow copy was stopped, not waited for");
        Assert.That(Directory.GetFiles(job.Output), Has.Length.EqualTo(10));
    }

    [Test]
    public async Task A_copy_saved_after_the_other_slot_won_is_removed_from_where_its_slot_writes()
    {
        using var temp = new TempFolder();
        var script = new RenderScript();
        var slowFrame = new TaskCompletionSource();
        script.HoldThroughStop(10, slowFrame.Task); // the first attempt at frame 10 is saved after the stop comes
        var job = await TenFrames.StartAsync(temp, script);
        job.Time.Advance(TimeSpan.FromSeconds(5));
        await Until(() => job.State.Frame(10).State == Done);
        var slowSlot = job.Journal.ChangesOf(10).First(c => c.To == Rendering).Slot;
        slowFrame.SetResult(); // the slow slot saves frame 10 and reports it
        await job.Run.WaitAsync(Safety);

        var leftover = Path.Combine(temp.Combine("workers"), slowSlot!, job.Spec.FrameFileName(10));
        Assert.That(File.Exists(leftover), Is.False, "the unneeded copy's file is not left where its slot wrote it");
        Assert.That(job.Journal.FrameChanges.Where(c => c.To == Done).GroupBy(c => c.Frame).Select(g => g.Count()), Has.All.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(job.Output, job.Spec.FrameFileName(10))), Is.EqualTo(RenderScript.Marker(10)));
    }

    /// <summary>Ten frames on two fake slots, running, with frame 10 begun (and held by the script) and 1-9 done.</summary>
    private sealed record TenFrames(JobSpec Spec, JobState State, InMemoryJobJournal Journal, FakeTimeProvider Time, string Output, Task Run)
    {
        public static async Task<TenFrames> StartAsync(TempFolder temp, RenderScript script)
        {
            var output = temp.Combine("out");
            Directory.CreateDirectory(output);
            var spec = TestJobs.Spec(TestJobs.Frames(1, 10), ChunkPolicy.Auto, outputDirectory: output);
            var state = JobState.New(spec);
            var journal = new InMemoryJobJournal(spec);
            var time = new FakeTimeProvider(TestJobs.CreatedAt);
            var slots = new[] { "slot-1", "slot-2" }.Select(id => new FakeWorkerSlot(id, temp.Combine("workers"), script)).ToList();
            var scheduler = new JobScheduler(state, journal, time, new SchedulerOptions(), slots.Select(s => s.Id));
            scheduler.StartRun(1, "fake", _ => true, _ => null);
            var runner = new JobRunner(scheduler, slots, new MarkerFrameVerifier(spec), new FileFrameStore(spec), NullLogger<JobRunner>.Instance);
            var run = runner.RunAsync(CancellationToken.None);
            // Frame 10 must have begun before the clock moves: begun later, it would not be late yet at the watchdog's look.
            await Until(() => scheduler.Progress() is { Done: 9, InFlight: 1 } progress
                              && progress.Slots.Any(s => s.Doing == "rendering 10"));
            return new TenFrames(spec, state, journal, time, output, run);
        }
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
