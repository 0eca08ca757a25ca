using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Aws.Fleet;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// A spot instance's slot when its instance leaves the job: it stops rendering and says so with
/// SlotWithdrawnException, but a frame already written and being fetched is fetched to the end first.
/// </summary>
public sealed class InstanceSlotTests
{
    [Test]
    public async Task A_notice_during_a_fetch_lets_the_fetch_finish_then_withdraws_the_slot()
    {
        var inner = new ConnectionSlot();
        var instance = new FleetInstance(new LaunchedInstance("i-0123456789abcdef0", "g4dn.xlarge", "us-east-1a", DateTimeOffset.UtcNow), 0.21);
        var slot = new InstanceSlot(inner, instance, TimeProvider.System);
        await using var events = slot.RenderAsync([new FrameOrder(1, "frame_0001.png"), new FrameOrder(2, "frame_0002.png")], CancellationToken.None)
            .GetAsyncEnumerator();

        Assert.That(await events.MoveNextAsync(), Is.True);
        Assert.That(events.Current, Is.TypeOf<FrameWritten>());
        var fetch = slot.FetchAsync("/work/frame_0001.png", "/tmp/frame_0001.png", CancellationToken.None);
        await inner.FetchStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Withdrawing runs the slot's reaction synchronously: if it were going to stop the render, it already has.
        instance.Withdraw("spot interruption notice");
        Assert.That(inner.Connected, Is.True, "the render is not stopped while its frame is being fetched");
        inner.FinishFetch.SetResult();
        await fetch.WaitAsync(TimeSpan.FromSeconds(10));

        var next = events.MoveNextAsync().AsTask();
        var withdrawn = Assert.ThrowsAsync<SlotWithdrawnException>(async () => await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(withdrawn!.Message, Does.Contain("i-0123456789abcdef0").And.Contain("spot interruption notice"));
        Assert.That(inner.Connected, Is.False, "then the render stops");
    }

    [Test]
    public async Task A_notice_while_rendering_withdraws_the_slot_at_once_and_later_chunks_are_refused()
    {
        var inner = new ConnectionSlot();
        var instance = new FleetInstance(new LaunchedInstance("i-0fedcba9876543210", "g5.xlarge", "us-east-1b", DateTimeOffset.UtcNow), 0.40);
        var slot = new InstanceSlot(inner, instance, TimeProvider.System);
        await using var events = slot.RenderAsync([new FrameOrder(1, "frame_0001.png"), new FrameOrder(2, "frame_0002.png")], CancellationToken.None)
            .GetAsyncEnumerator();
        Assert.That(await events.MoveNextAsync(), Is.True);

        var next = events.MoveNextAsync().AsTask();
        instance.Withdraw("idle: no frames are left for it");

        Assert.ThrowsAsync<SlotWithdrawnException>(async () => await next.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.ThrowsAsync<SlotWithdrawnException>(async () => await slot.RenderAsync([new FrameOrder(3, "frame_0003.png")], CancellationToken.None).GetAsyncEnumerator().MoveNextAsync());
    }

    [Test]
    public void A_slot_handed_a_chunk_it_has_not_started_is_not_idle_however_long_the_wait()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var instance = new FleetInstance(new LaunchedInstance("i-0aaaaaaaaaaaaaaa1", "g4dn.xlarge", "us-east-1a", time.GetUtcNow()), 0.21);
        var slot = new InstanceSlot(new ConnectionSlot(), instance, time);
        instance.BecameReady([slot]);
        slot.Observe(Change(1, FrameState.Queued, FrameState.Assigned, slot.Id, time));
        slot.Observe(Change(2, FrameState.Queued, FrameState.Assigned, slot.Id, time));
        slot.Observe(Change(3, FrameState.Queued, FrameState.Assigned, "root@127.0.0.10:22#1", time));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.That(instance.IsIdleFor(TimeSpan.Zero, time.GetUtcNow()), Is.False, "the scheduler gave it frames 1 and 2; the render has just not begun");
        slot.Observe(Change(1, FrameState.Assigned, FrameState.Queued, slot.Id, time));
        Assert.That(instance.IsIdleFor(TimeSpan.Zero, time.GetUtcNow()), Is.False, "it still holds frame 2");
        slot.Observe(Change(2, FrameState.Assigned, FrameState.Queued, null, time));
        Assert.That(instance.IsIdleFor(TimeSpan.Zero, time.GetUtcNow()), Is.True, "both frames went back: nothing is left for it");
        Assert.That(instance.IsIdleFor(TimeSpan.FromSeconds(1), time.GetUtcNow()), Is.False, "idle only from the moment it let its last frame go");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(instance.IsIdleFor(TimeSpan.FromSeconds(1), time.GetUtcNow()), Is.True);
    }

    [Test]
    public async Task A_slot_is_idle_from_when_its_last_render_ended_on_the_injected_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var instance = new FleetInstance(new LaunchedInstance("i-0aaaaaaaaaaaaaaa2", "g4dn.xlarge", "us-east-1a", time.GetUtcNow()), 0.21);
        var inner = new ConnectionSlot();
        var slot = new InstanceSlot(inner, instance, time);
        instance.BecameReady([slot]);
        using var stop = new CancellationTokenSource();
        await using (var events = slot.RenderAsync([new FrameOrder(1, "frame_0001.png")], stop.Token).GetAsyncEnumerator())
        {
            Assert.That(await events.MoveNextAsync(), Is.True);
            time.Advance(TimeSpan.FromMinutes(10));
            Assert.That(instance.IsIdleFor(TimeSpan.Zero, time.GetUtcNow()), Is.False, "rendering");
            await stop.CancelAsync();
            Assert.ThrowsAsync<TaskCanceledException>(async () => await events.MoveNextAsync());
        }

        Assert.That(slot.IdleSince, Is.EqualTo(time.GetUtcNow()), "idle since the render ended, by the injected clock");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.That(instance.IsIdleFor(TimeSpan.FromSeconds(60), time.GetUtcNow()), Is.False);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(instance.IsIdleFor(TimeSpan.FromSeconds(60), time.GetUtcNow()), Is.True);
    }

    private static FrameChanged Change(int frame, FrameState from, FrameState to, string? slot, TimeProvider time) =>
        new(frame, from, to, time.GetUtcNow(), slot, 0, null, null, null);

    /// <summary>Like an SSH slot: writes frame 1, then renders until stopped; stopping closes the connection fetches use.</summary>
    private sealed class ConnectionSlot : IWorkerSlot
    {
        public string Id => "root@127.0.0.9:22#1";

        public bool Connected { get; private set; } = true;

        public TaskCompletionSource FetchStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource FinishFetch { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            using var closeOnStop = cancellationToken.Register(() => Connected = false);
            yield return new FrameWritten(frames[0].Frame, "/work/" + frames[0].FileName, 1.0);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public async Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
        {
            FetchStarted.SetResult();
            await FinishFetch.Task.WaitAsync(cancellationToken);
            if (!Connected)
            {
                throw new IOException("A file transfer failed: Client not connected.");
            }
        }

        public Task DiscardAsync(string workerPath, CancellationToken cancellationToken) => Task.CompletedTask; // writes no files

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
