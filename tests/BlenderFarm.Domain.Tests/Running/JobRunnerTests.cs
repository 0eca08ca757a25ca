using System.Threading.Channels;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Running;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Fakes;
using BlenderFarm.Domain.Tests.Support;
using BlenderFarm.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static BlenderFarm.Domain.Frames.FrameState;

namespace BlenderFarm.Domain.Tests.Running;

/// <summary>Whole runs on fake slots that write marker files: every frame must land in the output folder once.</summary>
[TestFixture]
public sealed class JobRunnerTests
{
    /// <summary>Only a safety net against a hang; these runs take milliseconds.</summary>
    private static readonly TimeSpan Safety = TimeSpan.FromSeconds(10);

    private TempFolder _temp = null!;
    private RenderScript _script = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _script = new RenderScript();
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [TestCase("1")]
    [TestCase("3")]
    [TestCase("25")]
    [TestCase("auto")]
    public async Task Every_frame_lands_in_the_output_folder_exactly_once(string chunk)
    {
        var farm = Farm(frames: 20, ChunkPolicy.Parse(chunk), slots: 3);

        await farm.RunAsync();

        AssertEveryFrameDoneOnce(farm);
        Assert.That(farm.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
    }

    [Test]
    public async Task A_slot_lost_mid_chunk_still_gives_every_frame_exactly_once()
    {
        _script.LoseSlotOnce(7, "ssh: connection reset by peer");
        var farm = Farm(frames: 20, new ChunkPolicy(4), slots: 3);

        await farm.RunAsync();

        AssertEveryFrameDoneOnce(farm);
        var lost = farm.Journal.ChangesOf(7).Single(c => c.To == Queued);
        Assert.That((lost.From, lost.Detail), Is.EqualTo((Rendering, "ssh: connection reset by peer")));
        Assert.That(farm.State.Frame(7).FailedAttempts, Is.EqualTo(1));
        var returned = farm.Journal.ChangesOf(8).Single(c => c.To == Queued);
        Assert.That((returned.From, returned.Detail), Is.EqualTo((Assigned, "returned: ssh: connection reset by peer")));
        Assert.That(farm.State.Frame(8).FailedAttempts, Is.Zero, "a frame never started costs no attempt");
    }

    [Test]
    public async Task A_withdrawn_slot_gives_its_frames_back_without_an_attempt_and_takes_no_more_work()
    {
        _script.CrashOnce(7, new SlotWithdrawnException("instance i-1 left the job: spot interruption notice"));
        var farm = Farm(frames: 20, new ChunkPolicy(4), slots: 3);

        await farm.RunAsync();

        AssertEveryFrameDoneOnce(farm);
        var returned = farm.Journal.ChangesOf(7).Single(c => c.To == Queued);
        Assert.That(returned.From, Is.EqualTo(Rendering));
        Assert.That(farm.State.Frame(7).FailedAttempts, Is.Zero, "an interruption is not the frame's fault");
        var withdrawn = returned.Slot!;
        Assert.That(farm.State.RetiredSlots.Keys, Is.EqualTo(new[] { withdrawn }), "the withdrawn slot, and only it, is retired");
        var afterwards = farm.Journal.FrameChanges.SkipWhile(c => c != returned).Skip(1);
        Assert.That(afterwards.Where(c => c.Slot == withdrawn && c.To == Assigned), Is.Empty, "it takes no new frames");
    }

    [Test]
    public async Task A_corrupt_file_is_rejected_rendered_again_and_then_accepted()
    {
        _script.CorruptOnce(5);
        var farm = Farm(frames: 20, new ChunkPolicy(2), slots: 2);

        await farm.RunAsync();

        AssertEveryFrameDoneOnce(farm);
        Assert.That(farm.Verifier.Checks(5), Is.EqualTo(2));
        var rejected = farm.Journal.ChangesOf(5).Single(c => c.To == Queued);
        Assert.That(rejected.From, Is.EqualTo(Transferring));
        Assert.That(rejected.Detail, Is.EqualTo("the rendered file did not verify: the PNG ends before its IEND chunk"));
        Assert.That(farm.State.Frame(5).FailedAttempts, Is.EqualTo(1));
    }

    [Test]
    public async Task A_frame_failing_every_attempt_ends_failed_while_the_others_complete()
    {
        _script.FailFrame(9, int.MaxValue, "Error: Not freed memory blocks: 1");
        var farm = Farm(frames: 20, new ChunkPolicy(2), slots: 3);

        await farm.RunAsync();

        var frame9 = farm.State.Frame(9);
        Assert.That(frame9.State, Is.EqualTo(Failed));
        Assert.That(frame9.FailedAttempts, Is.EqualTo(3));
        Assert.That(frame9.LastError, Is.EqualTo("Error: Not freed memory blocks: 1"));
        var attempts = farm.Journal.ChangesOf(9).Where(c => c.From == Rendering).Select(c => c.Slot).ToList();
        Assert.That(attempts, Has.Count.EqualTo(3), "three attempts, no more");
        Assert.That(attempts.Distinct().Count(), Is.EqualTo(3), "each on a different slot");
        Assert.That(farm.State.RetiredSlots, Is.Empty, "the frame's fault, not the slots'");
        var others = farm.Spec.Frames.Where(f => f != 9).ToList();
        Assert.That(others.Select(f => farm.State.Frame(f).State), Has.All.EqualTo(Done));
        Assert.That(OutputFiles(farm), Is.EqualTo(others.Select(farm.Spec.FrameFileName).Order()));
        Assert.That(farm.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(farm.State.StatusReason, Does.Contain("(9)").And.Contain("Error: Not freed memory blocks: 1"));
    }

    [Test]
    public async Task A_frame_the_worker_never_reports_is_rendered_again()
    {
        _script.SkipReportOnce(4);
        var farm = Farm(frames: 10, new ChunkPolicy(5), slots: 2);

        await farm.RunAsync();

        AssertEveryFrameDoneOnce(farm);
        var skipped = farm.Journal.ChangesOf(4).Single(c => c.To == Queued);
        Assert.That(skipped.Detail, Is.EqualTo("the worker finished its chunk without reporting this frame"));
        Assert.That(farm.State.Frame(4).FailedAttempts, Is.Zero);
    }

    [Test]
    public async Task Cancelling_releases_the_frames_in_flight_back_to_the_queue_and_throws()
    {
        var holding = _script.HoldFrom(5, slots: 2);
        var farm = Farm(frames: 10, new ChunkPolicy(2), slots: 2);
        using var cancel = new CancellationTokenSource();
        var run = farm.Runner.RunAsync(cancel.Token);
        await holding.WaitAsync(Safety);
        Assert.That(farm.State.Frames.Count(f => FrameTransitions.InFlight.Contains(f.State)), Is.EqualTo(4), "two chunks of two are out");

        await cancel.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(Safety));
        Assert.That(farm.State.Frames.Where(f => f.Frame <= 4).Select(f => f.State), Has.All.EqualTo(Done));
        Assert.That(farm.State.Frames.Where(f => f.Frame > 4).Select(f => (f.State, f.FailedAttempts)), Has.All.EqualTo((Queued, 0)));
        var released = farm.Journal.FrameChanges.Where(c => c.To == Queued).ToList();
        Assert.That(released.Select(c => c.Frame).Order(), Is.EqualTo(new[] { 5, 6, 7, 8 }));
        Assert.That(released.Select(c => c.Detail), Has.All.EqualTo("the run stopped before it finished"));
        Assert.That(OutputFiles(farm), Is.EqualTo(new[] { 1, 2, 3, 4 }.Select(farm.Spec.FrameFileName)));
    }

    [Test]
    public void No_space_left_while_fetching_a_frame_stops_the_run_with_DiskFullException_and_loses_nothing()
    {
        var full = new IOException("No space left on device");
        _script.FailFetchOnce(3, full);
        var farm = Farm(frames: 10, new ChunkPolicy(2), slots: 2);

        var error = Assert.ThrowsAsync<DiskFullException>(async () => await farm.Runner.RunAsync(CancellationToken.None).WaitAsync(Safety));

        Assert.That(error.Message, Is.EqualTo($"Frame 3 could not be saved in {farm.Spec.OutputDirectory}: No space left on device"));
        Assert.That(error.InnerException, Is.SameAs(full));
        Assert.That(farm.State.Frames.Where(f => FrameTransitions.InFlight.Contains(f.State)), Is.Empty, "every frame in flight went back to the queue");
        Assert.That(farm.State.Frame(3).State, Is.EqualTo(Queued));
        Assert.That(farm.State.Frames.Select(f => f.FailedAttempts), Has.All.Zero, "a full disk is no frame's fault");
        Assert.That(OutputFiles(farm), Does.Not.Contain(farm.Spec.FrameFileName(3)));
    }

    [Test]
    public void Blender_reporting_no_space_left_stops_the_run_with_DiskFullException()
    {
        _script.FailFrame(2, 1, "Error: writing frame_0002.png: No space left on device");
        var farm = Farm(frames: 4, new ChunkPolicy(2), slots: 1);

        var error = Assert.ThrowsAsync<DiskFullException>(async () => await farm.Runner.RunAsync(CancellationToken.None).WaitAsync(Safety));

        Assert.That(error.Message, Is.EqualTo("Blender on slot-1 could not write frame 2: Error: writing frame_0002.png: No space left on device"));
        Assert.That(farm.State.Frame(2), Has.Property(nameof(FrameInfo.State)).EqualTo(Queued).And.Property(nameof(FrameInfo.FailedAttempts)).Zero);
    }

    [Test]

    public async Task An_unexpected_error_in_one_slot_does_not_hang_the_run()
    {
        _script.CrashOnce(5, new InvalidOperationException("the worker sent a message it should not have"));
        var farm = Farm(frames: 10, new ChunkPolicy(2), slots: 2);
        using var stop = new CancellationTokenSource();
        var run = farm.Runner.RunAsync(stop.Token);

        var ended = await Task.WhenAny(run, Task.Delay(Safety)) == run;
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (Exception)
        {
            // Whether the run rethrows the error or carries on without the slot is the fix's choice; it must end.
        }

        Assert.That(ended, Is.True, "RunAsync returned");
        Assert.That(farm.State.Frames.Where(f => FrameTransitions.InFlight.Contains(f.State)), Is.Empty);
    }

    [Test]
    public async Task A_slot_joining_a_running_job_takes_queued_frames_and_every_frame_is_done_once()
    {
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var farm = Farm(frames: 12, new ChunkPolicy(1), slots: 1, joining.Reader);
        var joinedWorks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        farm.Scheduler.FrameChanged += change =>
        {
            if (change.Slot == "cloud-1" && change.To == Assigned)
            {
                joinedWorks.TrySetResult();
            }
        };
        _script.HoldUntil(1, joinedWorks.Task); // slot-1 cannot finish the job alone
        var cloud = Slot("cloud-1");

        var run = farm.RunAsync();
        await joining.Writer.WriteAsync(cloud);
        await run; // every frame ended: the run does not wait for the channel to complete

        AssertEveryFrameDoneOnce(farm);
        Assert.That(cloud.Chunks, Is.GreaterThan(0));
        Assert.That(farm.Journal.FrameChanges.Where(c => c.To == Done).Select(c => c.Slot).Distinct().Order(), Is.EqualTo(new[] { "cloud-1", "slot-1" }));
        Assert.That(farm.Scheduler.Progress().Slots.Select(s => s.Slot), Is.EqualTo(new[] { "slot-1", "cloud-1" }));
        Assert.That(cloud.IsDisposed, Is.False, "the provider disposes the slots it made");
        Assert.That(farm.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
    }

    [Test]
    public async Task With_every_slot_lost_and_slots_still_able_to_join_the_job_waits_and_a_newcomer_finishes_it()
    {
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var (farm, run) = await RunUntilTheOnlySlotIsLostAsync(joining.Reader);
        // No sleep: wait until the lost slot has given its frames back. That the run then waits for a newcomer, rather
        // than ending, is proven by the newcomer finishing the job below.
        await Until(() => farm.State.Frames.All(f => f.State == Queued));

        Assert.That(run.IsCompleted, Is.False, "the run waits for a slot to join");
        Assert.That(farm.Scheduler.IsFinished, Is.False);
        Assert.That(farm.State.Status, Is.EqualTo(JobStatus.Running));
        Assert.That(farm.State.Frames.Select(f => f.State), Has.All.EqualTo(Queued));

        await joining.Writer.WriteAsync(Slot("cloud-1"));
        await run;

        AssertEveryFrameDoneOnce(farm);
        Assert.That(farm.Scheduler.Finish(), Is.EqualTo(JobStatus.Completed));
    }

    [Test]
    public async Task With_every_slot_lost_and_the_joining_channel_completed_the_job_ends_failed_as_without_one()
    {
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var (farm, run) = await RunUntilTheOnlySlotIsLostAsync(joining.Reader);
        joining.Writer.Complete();
        await run;

        Assert.That(farm.Scheduler.SlotsMayJoin, Is.False);
        Assert.That(farm.Scheduler.Finish(), Is.EqualTo(JobStatus.Failed));
        Assert.That(farm.State.StatusReason, Does.StartWith("no slot was left to render 6 frame(s) (1-6): slot-1: unexpected error: the instance stopped answering"));
    }

    [Test]
    public async Task A_run_with_no_slot_at_first_renders_every_frame_on_the_slots_that_join()
    {
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var farm = Farm(frames: 10, new ChunkPolicy(2), slots: 0, joining.Reader);

        var run = farm.RunAsync();
        await joining.Writer.WriteAsync(Slot("cloud-1"));
        await joining.Writer.WriteAsync(Slot("cloud-2"));
        await run;

        AssertEveryFrameDoneOnce(farm);
        Assert.That(farm.Scheduler.Progress().Slots.Select(s => s.Slot), Is.EqualTo(new[] { "cloud-1", "cloud-2" }));
    }

    [Test]
    public async Task Cancelling_releases_the_frames_joined_slots_render_back_to_the_queue()
    {
        var holding = _script.HoldFrom(1, slots: 2);
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var farm = Farm(frames: 10, new ChunkPolicy(2), slots: 0, joining.Reader);
        using var cancel = new CancellationTokenSource();
        var run = farm.Runner.RunAsync(cancel.Token);
        await joining.Writer.WriteAsync(Slot("cloud-1"));
        await joining.Writer.WriteAsync(Slot("cloud-2"));
        await holding.WaitAsync(Safety);

        await cancel.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(Safety));
        Assert.That(farm.State.Frames.Select(f => (f.State, f.FailedAttempts)), Has.All.EqualTo((Queued, 0)));
        var released = farm.Journal.FrameChanges.Where(c => c.To == Queued).ToList();
        Assert.That(released.Select(c => c.Frame).Order(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(released.Select(c => c.Slot).Distinct().Order(), Is.EqualTo(new[] { "cloud-1", "cloud-2" }));
        Assert.That(released.Select(c => c.Detail), Has.All.EqualTo("the run stopped before it finished"));
    }

    [Test]
    public void Cancelling_a_run_waiting_for_slots_to_join_throws()
    {
        var joining = Channel.CreateUnbounded<IWorkerSlot>();
        var farm = Farm(frames: 4, new ChunkPolicy(2), slots: 0, joining.Reader);
        using var cancel = new CancellationTokenSource();
        var run = farm.Runner.RunAsync(cancel.Token);

        cancel.Cancel();

        Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(Safety));
        Assert.That(farm.State.Frames.Select(f => f.State), Has.All.EqualTo(Queued));
    }

    /// <summary>Starts a run of six frames whose only slot crashes on frame 1 and is retired, and waits for that.</summary>
    private async Task<(RunnerFarm Farm, Task Run)> RunUntilTheOnlySlotIsLostAsync(ChannelReader<IWorkerSlot> joining)
    {
        _script.CrashOnce(1, new InvalidOperationException("the instance stopped answering"));
        var farm = Farm(frames: 6, new ChunkPolicy(2), slots: 1, joining);
        var run = farm.RunAsync();
        await Until(() => farm.Scheduler.IsRetired("slot-1"));
        return (farm, run);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Safety;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("the condition never came true");
            }

            await Task.Delay(5);
        }
    }

    private FakeWorkerSlot Slot(string id) => new(id, _temp.Combine("workers"), _script);

    private RunnerFarm Farm(int frames, ChunkPolicy chunk, int slots, ChannelReader<IWorkerSlot>? joining = null)
    {
        var output = _temp.Combine("out");
        Directory.CreateDirectory(output);
        var spec = TestJobs.Spec(TestJobs.Frames(1, frames), chunk, outputDirectory: output);
        var state = JobState.New(spec);
        var journal = new InMemoryJobJournal(spec);
        var fakeSlots = Enumerable.Range(1, slots).Select(i => Slot($"slot-{i}")).ToList();
        var scheduler = new JobScheduler(state, journal, new FakeTimeProvider(TestJobs.CreatedAt), new SchedulerOptions(), fakeSlots.Select(s => s.Id));
        scheduler.StartRun(1, "fake", _ => true, _ => null);
        var verifier = new MarkerFrameVerifier(spec);
        var runner = new JobRunner(scheduler, fakeSlots, verifier, new FileFrameStore(spec), NullLogger<JobRunner>.Instance, joining);
        return new RunnerFarm(spec, state, journal, scheduler, verifier, runner);
    }

    private static List<string> OutputFiles(RunnerFarm farm) =>
        [.. Directory.GetFiles(farm.Spec.OutputDirectory).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    private static void AssertEveryFrameDoneOnce(RunnerFarm farm)
    {
        var frames = farm.Spec.Frames;
        Assert.That(OutputFiles(farm), Is.EqualTo(frames.Select(farm.Spec.FrameFileName).Order(StringComparer.Ordinal)), "one file per frame, nothing else");
        foreach (var frame in frames)
        {
            Assert.That(File.ReadAllText(farm.Spec.FramePath(frame)), Is.EqualTo(RenderScript.Marker(frame)), $"frame {frame}'s file");
        }

        var done = farm.Journal.FrameChanges.Where(c => c.To == Done).GroupBy(c => c.Frame).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(done.Keys.Order(), Is.EqualTo(frames), "every frame is journaled done");
        Assert.That(done.Values, Has.All.EqualTo(1), "and only once");
        Assert.That(farm.State.Frames.Select(f => f.State), Has.All.EqualTo(Done));
        Assert.That(Directory.GetFiles(Path.Combine(FileFrameStore.StagingFolder(farm.Spec.OutputDirectory), "incoming")), Is.Empty, "nothing is left in staging");
        Assert.That(farm.Scheduler.IsFinished, Is.True);
    }

    private sealed record RunnerFarm(
        JobSpec Spec,
        JobState State,
        InMemoryJobJournal Journal,
        JobScheduler Scheduler,
        MarkerFrameVerifier Verifier,
        JobRunner Runner)
    {
        public Task RunAsync() => Runner.RunAsync(CancellationToken.None).WaitAsync(Safety);
    }
}
