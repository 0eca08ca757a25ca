using System.Collections.Concurrent;
using System.Threading.Channels;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Scheduling;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Domain.Running;

/// <summary>
/// Runs one job on a set of slots: every slot pulls chunks from the scheduler until nothing is left, reports what
/// Blender does, and each written frame is fetched, verified and moved into the output folder before it counts as done.
/// </summary>
public sealed class JobRunner
{
    private readonly JobScheduler _scheduler;
    private readonly IReadOnlyList<IWorkerSlot> _slots;
    private readonly IFrameVerifier _verifier;
    private readonly IFrameStore _frames;
    private readonly ILogger<JobRunner> _logger;
    private readonly ChannelReader<IWorkerSlot>? _joining;

    /// <summary>Each working slot's chunk, which the watchdog stops when the slot is stuck.</summary>
    private readonly ConcurrentDictionary<string, (Chunk Chunk, CancellationTokenSource Stop)> _chunks = new();

    /// <summary>Chunks stopped because another slot rendered their frame first (a copy of a straggler), and why.</summary>
    private readonly ConcurrentDictionary<CancellationTokenSource, string> _overtaken = new();

    /// <summary>Why the watchdog stopped a slot's chunk.</summary>
    private readonly ConcurrentDictionary<string, string> _stuck = new();

    /// <param name="frames">Where fetched frames wait for the verifier and how they reach the output folder.</param>
    /// <param name="slots">The slots the run starts with; may be empty when <paramref name="joining"/> is given.</param>
    /// <param name="joining">
    /// Slots that join while the job runs (cloud instances that boot later, replacements): each read from it takes
    /// chunks like the first ones. While it is not completed the job waits for newcomers even with no slot left.
    /// The runner does not dispose them; their provider does.
    /// </param>
    public JobRunner(
        JobScheduler scheduler,
        IReadOnlyList<IWorkerSlot> slots,
        IFrameVerifier verifier,
        IFrameStore frames,
        ILogger<JobRunner> logger,
        ChannelReader<IWorkerSlot>? joining = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _slots = slots;
        _verifier = verifier;
        _frames = frames;
        _logger = logger;
        _joining = joining;
    }

    /// <summary>
    /// Returns when every frame has ended, or when no slot is left and none may join any more (the joining channel is
    /// completed). Throws <see cref="OperationCanceledException"/> when cancelled (frames in flight go back to the
    /// queue) and <see cref="DiskFullException"/> when the disk fills.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _frames.Open();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopJoining = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var loops = new List<Task>();
        void Start(IWorkerSlot slot) => loops.Add(SlotLoopAsync(slot, stop, stopJoining));

        if (_joining is not null)
        {
            _scheduler.SlotsMayJoin = true;
        }

        foreach (var slot in _slots)
        {
            Start(slot);
        }

        using var stopWatchdog = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        var watchdog = WatchdogAsync(stopWatchdog.Token);
        _scheduler.CopyNotNeeded += StopOvertaken;

        if (_joining is not null)
        {
            await JoinAsync(_joining, Start, stopJoining).ConfigureAwait(false);
        }

        // No slot joins any more: the list is final.
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (DiskFullException)
        {
            throw loops.Select(l => l.Exception?.InnerException).OfType<DiskFullException>().First();
        }
        finally
        {
            _scheduler.CopyNotNeeded -= StopOvertaken;
            await stopWatchdog.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
        }

        if (!_scheduler.IsFinished)
        {
            // Cancelled while no slot was working: nothing was there to throw it.
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Starts a loop for every slot that joins, until the channel is completed (then no slot may join any more), the
    /// job has finished or the run stops.
    /// </summary>
    private async Task JoinAsync(ChannelReader<IWorkerSlot> joining, Action<IWorkerSlot> start, CancellationTokenSource stopJoining)
    {
        if (_scheduler.IsFinished)
        {
            return;
        }

        try
        {
            await foreach (var slot in joining.ReadAllAsync(stopJoining.Token).ConfigureAwait(false))
            {
                try
                {
                    _scheduler.AddSlot(slot.Id);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    Log.SlotRefused(_logger, slot.Id, e.Message);
                    continue;
                }

                start(slot);
            }

            _scheduler.SlotsMayJoin = false;
        }
        catch (OperationCanceledException) when (stopJoining.IsCancellationRequested)
        {
            // The job finished, or the run stops and the slot loops say why.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The provider completed the channel with an error: no slot joins any more.
            Log.JoiningFailed(_logger, e.Message);
            _scheduler.SlotsMayJoin = false;
        }
    }

    private async Task SlotLoopAsync(IWorkerSlot slot, CancellationTokenSource stop, CancellationTokenSource stopJoining)
    {
        try
        {
            await RenderChunksAsync(slot, stop).ConfigureAwait(false);
        }
        finally
        {
            if (_scheduler.IsFinished)
            {
                // Every frame has ended (or no slot is left and none may join): stop waiting for newcomers.
                await stopJoining.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task RenderChunksAsync(IWorkerSlot slot, CancellationTokenSource stop)
    {
        try
        {
            while (await _scheduler.TakeChunkAsync(slot.Id, stop.Token).ConfigureAwait(false) is { } chunk)
            {
                await RenderChunkAsync(slot, chunk, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            _scheduler.ReleaseAll(slot.Id, "the run stopped before it finished");
            throw;
        }
        catch (Exception e) when (e is DiskFullException || (e is IOException io && DiskFullException.IsDiskFull(io)))
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                _scheduler.ReleaseAll(slot.Id, "the disk is full");
            }
            catch (IOException)
            {
                // The journal cannot grow either; resume queues these frames again.
            }

            throw e as DiskFullException ?? new DiskFullException(e.Message, e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // A fault in one slot must not hang the run: its frames go back to the queue and it stops taking work.
            Log.SlotFault(_logger, slot.Id, e.Message);
            _scheduler.SlotLost(slot.Id, "unexpected error: " + e.Message);
            _scheduler.RetireSlot(slot.Id, "unexpected error: " + e.Message);
        }
    }

    /// <summary>
    /// The frame watchdog: every <see cref="SchedulerOptions.WatchdogInterval"/> on the scheduler's clock, stops the
    /// chunk of each slot the scheduler finds stuck, which stops (kills) its Blender; the slot then starts a new one.
    /// </summary>
    private async Task WatchdogAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_scheduler.WatchdogInterval, _scheduler.Time, cancellationToken).ConfigureAwait(false);
                foreach (var stuck in _scheduler.FindStuck())
                {
                    if (_chunks.TryGetValue(stuck.Slot, out var chunk) && _stuck.TryAdd(stuck.Slot, stuck.Reason))
                    {
                        Log.SlotStuck(_logger, stuck.Slot, stuck.Reason);
                        await chunk.Stop.CancelAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run ended.
        }
    }

    private async Task RenderChunkAsync(IWorkerSlot slot, Chunk chunk, CancellationToken runToken)
    {
        using var chunkStop = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        _chunks[slot.Id] = (chunk, chunkStop);
        try
        {
            await RenderChunkAsync(slot, chunk, chunkStop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SlotLostException
                                  && !runToken.IsCancellationRequested && _overtaken.TryGetValue(chunkStop, out var reason))
        {
            // Not a failure: what the slot still holds goes back to the queue, no attempt counted.
            _scheduler.ReleaseAll(slot.Id, reason);
        }
        catch (Exception e) when (e is OperationCanceledException or SlotLostException
                                  && !runToken.IsCancellationRequested && _stuck.TryGetValue(slot.Id, out var reason))
        {
            _scheduler.SlotStuck(slot.Id, reason);
        }
        finally
        {
            _chunks.TryRemove(slot.Id, out _);
            _stuck.TryRemove(slot.Id, out _);
            _overtaken.TryRemove(chunkStop, out _);
        }
    }

    /// <summary>
    /// Another slot rendered the frame first: stops this slot's chunk if it still holds that frame (called inside the
    /// scheduler's lock, so the stop itself runs on the thread pool).
    /// </summary>
    private void StopOvertaken(string slot, int frame)
    {
        if (!_chunks.TryGetValue(slot, out var working) || !working.Chunk.Frames.Contains(frame)
            || !_overtaken.TryAdd(working.Stop, $"returned: frame {frame} was rendered first by another slot"))
        {
            return;
        }

        Log.CopyNotNeeded(_logger, slot, frame);
        ThreadPool.UnsafeQueueUserWorkItem(static stop =>
        {
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The chunk ended meanwhile.
            }
        }, working.Stop, preferLocal: false);
    }

    private async Task RenderChunkAsync(IWorkerSlot slot, Chunk chunk, CancellationTokenSource chunkStop)
    {
        var cancellationToken = chunkStop.Token;
        var spec = _scheduler.Spec;
        var orders = chunk.Frames.Select(f => new FrameOrder(f, spec.FrameFileName(f))).ToList();
        try
        {
            await foreach (var slotEvent in slot.RenderAsync(orders, cancellationToken).ConfigureAwait(false))
            {
                await HandleAsync(slot, slotEvent, cancellationToken).ConfigureAwait(false);
                if (_scheduler.IsRetired(slot.Id))
                {
                    Log.SlotRetired(_logger, slot.Id);
                    return;
                }
            }

            // The worker went through the chunk; anything it held but never reported was dropped.
            foreach (var frame in chunk.Frames)
            {
                _scheduler.FrameFailed(slot.Id, frame, "the worker finished its chunk without reporting this frame");
            }
        }
        catch (SlotWithdrawnException withdrawn)
        {
            // Not the frames' fault (a spot interruption, say): they go back to the queue with no attempt counted.
            Log.SlotLost(_logger, slot.Id, withdrawn.Message);
            _scheduler.ReleaseAll(slot.Id, "returned: " + withdrawn.Message);
            _scheduler.RetireSlot(slot.Id, withdrawn.Message);
        }
        catch (SlotLostException lost) when (!chunkStop.IsCancellationRequested)
        {
            Log.SlotLost(_logger, slot.Id, lost.Message);
            _scheduler.SlotLost(slot.Id, lost.Message);
        }
    }

    private async Task HandleAsync(IWorkerSlot slot, SlotEvent slotEvent, CancellationToken cancellationToken)
    {
        switch (slotEvent)
        {
            case FrameBegan began:
                _scheduler.FrameStarted(slot.Id, began.Frame);
                break;
            case FrameSample sample:
                _scheduler.ReportSample(slot.Id, sample.Frame, sample.Sample, sample.Samples);
                break;
            case FrameWritten written:
                if (_scheduler.FrameRendered(slot.Id, written.Frame, written.RenderSeconds))
                {
                    await CollectAsync(slot, written, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await DiscardAsync(slot, written).ConfigureAwait(false);
                }

                break;
            case FrameError error:
                if (DiskFullException.IsDiskFull(error.Message))
                {
                    throw new DiskFullException($"Blender on {slot.Id} could not write frame {error.Frame}: {error.Message}");
                }

                Log.FrameError(_logger, slot.Id, error.Frame, error.Message);
                _scheduler.FrameFailed(slot.Id, error.Frame, error.Message);
                break;
        }
    }

    /// <summary>
    /// A copy whose frame another slot rendered first: its file is never fetched, so it goes (even when the chunk was
    /// stopped meanwhile, hence no chunk token: a slot bounds its own calls); failing to remove it costs only clutter.
    /// </summary>
    private async Task DiscardAsync(IWorkerSlot slot, FrameWritten written)
    {
        try
        {
            await slot.DiscardAsync(written.WorkerPath, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.DiscardFailed(_logger, slot.Id, written.Frame, e.Message);
        }
    }

    /// <summary>Transferring: bring the file here, verify it, commit it into the output folder; only then is the frame done.</summary>
    private async Task CollectAsync(IWorkerSlot slot, FrameWritten written, CancellationToken cancellationToken)
    {
        var staged = _frames.Stage(written.Frame);
        try
        {
            await slot.FetchAsync(written.WorkerPath, staged.LocalPath, cancellationToken).ConfigureAwait(false);
            var check = _verifier.Verify(staged.LocalPath);
            if (!check.Ok)
            {
                _frames.Discard(staged);
                Log.FrameRejected(_logger, slot.Id, written.Frame, check.Problem ?? "unknown problem");
                _scheduler.FrameFailed(slot.Id, written.Frame, $"the rendered file did not verify: {check.Problem}");
                return;
            }

            _frames.Commit(staged);
            await _scheduler.FrameCompletedAsync(slot.Id, written.Frame, check.Bytes).ConfigureAwait(false);
        }
        catch (IOException io) when (DiskFullException.IsDiskFull(io))
        {
            throw new DiskFullException($"Frame {written.Frame} could not be saved in {_scheduler.Spec.OutputDirectory}: {io.Message}", io);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _scheduler.FrameFailed(slot.Id, written.Frame, $"the rendered file could not be brought to the output folder: {e.Message}");
        }
    }
}
