using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Aws.Fleet;

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

        instance.Withdraw("spot interruption notice");
        await Task.Delay(200);
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

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
