using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Benchmarks;

/// <summary>
/// A simulated slot: each frame takes its cost divided by the slot's speed on the simulated clock. A dying slot throws
/// <see cref="SlotLostException"/> at its time of death, mid-frame, and on every chunk after it.
/// </summary>
internal sealed class SimSlot(string id, double speed, double diesAt, SimClock clock, Workload workload, int firstFrame) : IWorkerSlot
{
    private const double DeathTolerance = 1e-3;

    public string Id => id;

    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var order in frames)
        {
            var start = ThreadCpu.Now();
            var now = clock.Seconds;
            // The clock counts whole ticks: after waiting until its death the slot may read a hair before it, and must
            // not start (and fail at once, at the same instant) frame after frame.
            if (now >= diesAt - DeathTolerance)
            {
                ThreadCpu.AddHarness(start);
                throw new SlotLostException($"{id} died");
            }

            var seconds = workload.FrameCosts[order.Frame - firstFrame] / speed;
            ThreadCpu.AddHarness(start);
            yield return new FrameBegan(order.Frame);
            start = ThreadCpu.Now();
            if (now + seconds > diesAt)
            {
                var until = diesAt - now;
                ThreadCpu.AddHarness(start);
                await clock.Delay(TimeSpan.FromSeconds(until), cancellationToken).ConfigureAwait(false);
                throw new SlotLostException($"{id} died in the middle of frame {order.Frame}");
            }

            var delay = clock.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            ThreadCpu.AddHarness(start);
            await delay.ConfigureAwait(false);
            yield return new FrameWritten(order.Frame, order.FileName, seconds, 0);
        }
    }

    public Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        var start = ThreadCpu.Now();
        File.WriteAllBytes(localPath, []);
        ThreadCpu.AddHarness(start);
        return Task.CompletedTask;
    }

    public Task DiscardAsync(string workerPath, CancellationToken cancellationToken) => Task.CompletedTask; // writes no files

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
