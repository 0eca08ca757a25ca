using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Aws.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>The fleet's phrase on the progress line: how many instances are in each state of their life.</summary>
public sealed class FleetActivityTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private int _next;

    [Test]
    public void Each_instance_is_counted_in_the_state_it_is_in_listed_from_launch_to_end()
    {
        var rendering1 = Ready(holdsFrame: true);
        var rendering2 = Ready(holdsFrame: true);
        var idle = Ready(holdsFrame: false);
        var booting = Instance();
        var installing = Instance();
        installing.Step = BootStep.InstallingBlender;
        var syncing = Instance();
        syncing.Step = BootStep.Syncing;
        var interrupted = Ready(holdsFrame: true);
        interrupted.MarkInterrupted();
        interrupted.Withdraw("spot interruption notice 2026-12-03T12:02:00Z");
        var leaving = Ready(holdsFrame: false);
        leaving.Withdraw("idle: no frames are left for it");

        var text = FleetActivity.Describe([rendering1, idle, booting, interrupted, rendering2, installing, syncing, leaving], launching: 1);

        Assert.That(text, Is.EqualTo("aws: 1 launching, 1 booting, 1 installing Blender, 1 syncing, 2 rendering, 1 idle, 1 leaving, 1 interrupted"));
    }

    [Test]
    public void An_interrupted_instance_stays_counted_once_terminated_and_other_terminated_ones_drop_out()
    {
        var interrupted = Ready(holdsFrame: false);
        interrupted.MarkInterrupted();
        interrupted.Terminated(_time.GetUtcNow());
        var ended = Ready(holdsFrame: false);
        ended.Terminated(_time.GetUtcNow());
        var fetching = Instance();
        fetching.Step = BootStep.FetchingFiles;

        Assert.That(FleetActivity.Describe([interrupted, ended, fetching], launching: 0), Is.EqualTo("aws: 1 fetching files, 1 interrupted"),
            "the user sees that a replacement was needed, not the instances ended for being idle");
        Assert.That(FleetActivity.Describe([ended], launching: 0), Is.EqualTo("aws: no instances"));
    }

    [Test]
    public void A_ready_instance_is_rendering_while_a_slot_holds_frames_and_idle_once_it_let_them_go()
    {
        var instance = Instance();
        var slot = new InstanceSlot(new SilentSlot("root@127.0.0.40:22#1"), instance, _time);
        instance.BecameReady([slot]);
        Assert.That(instance.Doing, Is.EqualTo("idle"), "joined, no frames yet");

        slot.Observe(Change(7, FrameState.Queued, FrameState.Assigned, slot.Id));
        Assert.That(instance.Doing, Is.EqualTo("rendering"), "a chunk handed to it counts as its work");
        slot.Observe(Change(7, FrameState.Transferring, FrameState.Done, slot.Id));
        Assert.That(instance.Doing, Is.EqualTo("idle"));
    }

    private FleetInstance Instance() =>
        new(new LaunchedInstance($"i-0aaaaaaaaaaaa{_next++:0000}", "g4dn.xlarge", "us-east-1a", _time.GetUtcNow()), 0.21);

    private FleetInstance Ready(bool holdsFrame)
    {
        var instance = Instance();
        var slot = new InstanceSlot(new SilentSlot($"root@127.0.0.{_next}:22#1"), instance, _time);
        instance.BecameReady([slot]);
        if (holdsFrame)
        {
            slot.Observe(Change(_next, FrameState.Assigned, FrameState.Rendering, slot.Id));
        }

        return instance;
    }

    private FrameChanged Change(int frame, FrameState from, FrameState to, string? slot) =>
        new(frame, from, to, _time.GetUtcNow(), slot, 0, null, null, null);

    /// <summary>A slot that is never asked to render here: only the frame changes the scheduler reports matter.</summary>
    private sealed class SilentSlot(string id) : IWorkerSlot
    {
        public string Id => id;

        public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }

        public Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DiscardAsync(string workerPath, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
