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
    /// <summary>Folder inside the output folder where frames wait for verification.</summary>
    public const string StagingFolderName = ".blenderfarm";

    private readonly JobScheduler _scheduler;
    private readonly IReadOnlyList<IWorkerSlot> _slots;
    private readonly IFrameVerifier _verifier;
    private readonly ILogger<JobRunner> _logger;
    private readonly string _incoming;

    public JobRunner(JobScheduler scheduler, IReadOnlyList<IWorkerSlot> slots, IFrameVerifier verifier, ILogger<JobRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _slots = slots;
        _verifier = verifier;
        _logger = logger;
        _incoming = Path.Combine(scheduler.Spec.OutputDirectory, StagingFolderName, "incoming");
    }

    /// <summary>
    /// Returns when every frame has ended or no slot is left. Throws <see cref="OperationCanceledException"/> when
    /// cancelled (frames in flight go back to the queue) and <see cref="DiskFullException"/> when the disk fills.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_incoming);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = _slots.Select(slot => SlotLoopAsync(slot, stop)).ToList();
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (DiskFullException)
        {
            throw loops.Select(l => l.Exception?.InnerException).OfType<DiskFullException>().First();
        }
    }

    private async Task SlotLoopAsync(IWorkerSlot slot, CancellationTokenSource stop)
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

    private async Task RenderChunkAsync(IWorkerSlot slot, Chunk chunk, CancellationToken cancellationToken)
    {
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
        catch (SlotLostException lost)
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

    /// <summary>Transferring: bring the file here, verify it, move it into place; only then is the frame done.</summary>
    private async Task CollectAsync(IWorkerSlot slot, FrameWritten written, CancellationToken cancellationToken)
    {
        var spec = _scheduler.Spec;
        var fileName = spec.FrameFileName(written.Frame);
        var incoming = Path.Combine(_incoming, fileName);
        try
        {
            await slot.FetchAsync(written.WorkerPath, incoming, cancellationToken).ConfigureAwait(false);
            var check = _verifier.Verify(incoming);
            if (!check.Ok)
            {
                File.Delete(incoming);
                Log.FrameRejected(_logger, slot.Id, written.Frame, check.Problem ?? "unknown problem");
                _scheduler.FrameFailed(slot.Id, written.Frame, $"the rendered file did not verify: {check.Problem}");
                return;
            }

            File.Move(incoming, spec.FramePath(written.Frame), overwrite: true);
            _scheduler.FrameCompleted(slot.Id, written.Frame, check.Bytes);
        }
        catch (IOException io) when (DiskFullException.IsDiskFull(io))
        {
            throw new DiskFullException($"Frame {written.Frame} could not be saved in {spec.OutputDirectory}: {io.Message}", io);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _scheduler.FrameFailed(slot.Id, written.Frame, $"the rendered file could not be brought to the output folder: {e.Message}");
        }
    }
}
