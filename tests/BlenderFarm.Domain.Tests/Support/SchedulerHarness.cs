using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Domain.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Domain.Tests.Support;

/// <summary>A scheduler on an in-memory journal and a fake clock, with the steps a slot takes as one-liners.</summary>
internal sealed class SchedulerHarness
{
    public static readonly DateTimeOffset Start = new(2025, 3, 14, 12, 0, 0, TimeSpan.Zero);

    private SchedulerHarness(JobState state, InMemoryJobJournal journal, FakeTimeProvider time, SchedulerOptions options, string[] slots)
    {
        State = state;
        Journal = journal;
        Time = time;
        Scheduler = new JobScheduler(state, journal, time, options, slots);
    }

    public JobState State { get; }

    public InMemoryJobJournal Journal { get; }

    public FakeTimeProvider Time { get; }

    public JobScheduler Scheduler { get; }

    public JobSpec Spec => State.Spec;

    /// <summary>A new job's scheduler; its run is not started yet.</summary>
    public static SchedulerHarness NewJob(IReadOnlyList<int> frames, ChunkPolicy chunk, string[] slots, SchedulerOptions? options = null)
    {
        var spec = TestJobs.Spec(frames, chunk);
        return new SchedulerHarness(JobState.New(spec), new InMemoryJobJournal(spec), new FakeTimeProvider(Start), options ?? new SchedulerOptions(), slots);
    }

    /// <summary>A new job's first run, started.</summary>
    public static SchedulerHarness FirstRun(IReadOnlyList<int> frames, ChunkPolicy chunk, string[] slots, SchedulerOptions? options = null)
    {
        var harness = NewJob(frames, chunk, slots, options);
        harness.Scheduler.StartRun(1001, "local:" + slots.Length, _ => true, _ => null);
        return harness;
    }

    /// <summary>What a new coordinator process builds from this one's journal after a crash; its run is not started yet.</summary>
    public SchedulerHarness AfterCrash(string[] slots, SchedulerOptions? options = null) =>
        new(JobState.Replay(Journal.Records), Journal, Time, options ?? new SchedulerOptions(), slots);

    public FrameInfo Frame(int frame) => State.Frame(frame);

    public IReadOnlyList<int> Take(string slot) =>
        Scheduler.TryTakeChunk(slot)?.Frames ?? throw new InvalidOperationException($"{slot} got no chunk.");

    /// <summary>The slot renders the frame it holds, and the file verifies.</summary>
    public void Render(string slot, int frame, double seconds = 10, long bytes = 1000)
    {
        Expect(Scheduler.FrameStarted(slot, frame), slot, frame, "start");
        Time.Advance(TimeSpan.FromSeconds(seconds));
        Expect(Scheduler.FrameRendered(slot, frame, seconds), slot, frame, "render");
        Expect(Scheduler.FrameCompleted(slot, frame, bytes), slot, frame, "complete");
    }

    /// <summary>The slot starts the frame it holds and Blender reports an error.</summary>
    public FrameState? StartAndFail(string slot, int frame, string error)
    {
        Expect(Scheduler.FrameStarted(slot, frame), slot, frame, "start");
        return Scheduler.FrameFailed(slot, frame, error);
    }

    /// <summary>Each frame change appended after the first <paramref name="skip"/> records, as (frame, from, to).</summary>
    public IReadOnlyList<(int Frame, FrameState From, FrameState To)> Moves(int skip = 0) =>
        [.. Journal.FrameChangesSince(skip).Select(c => (c.Frame, c.From, c.To))];

    /// <summary>Replaying the journal must give exactly the state the scheduler holds live.</summary>
    public void AssertJournalReplaysToLiveState()
    {
        var replayed = JobState.Replay(Journal.Records);
        Assert.That(replayed.Frames, Is.EqualTo(State.Frames), "the journal replays to the live state");
        Assert.That(replayed.Status, Is.EqualTo(State.Status));
        Assert.That(replayed.RetiredSlots, Is.EqualTo(State.RetiredSlots));
    }

    private static void Expect(bool accepted, string slot, int frame, string step)
    {
        if (!accepted)
        {
            throw new InvalidOperationException($"The scheduler refused to {step} frame {frame} on {slot}.");
        }
    }
}
