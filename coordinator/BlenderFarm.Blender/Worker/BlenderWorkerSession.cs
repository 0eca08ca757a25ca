using System.Runtime.CompilerServices;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Blender.Worker;

/// <summary>
/// One live worker.py inside Blender: waits until the scene is loaded, then renders chunks on command. Knows the
/// protocol, not where the process runs.
/// </summary>
public sealed class BlenderWorkerSession : IAsyncDisposable
{
    private readonly IWorkerProcess _process;
    private readonly string _token;

    /// <param name="process">The worker, started with <c>--token</c> <paramref name="token"/>.</param>
    /// <param name="token">This session's secret (<see cref="WorkerProtocol.NewToken"/>): only lines that start with it are events.</param>
    public BlenderWorkerSession(IWorkerProcess process, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _process = process;
        _token = token;
    }

    public string? BlenderVersion { get; private set; }

    /// <summary>What Cycles renders on in this session: OPTIX, CUDA, HIP, ONEAPI, METAL or CPU.</summary>
    public string Device { get; private set; } = "CPU";

    /// <summary>False once a chunk ended abnormally; such a session must be disposed and started again.</summary>
    public bool IsHealthy { get; private set; } = true;

    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            while (await _process.ReadLineAsync(timer.Token).ConfigureAwait(false) is { } line)
            {
                if (WorkerProtocol.ParseLine(line, _token) is WorkerReady ready)
                {
                    BlenderVersion = ready.BlenderVersion;
                    Device = ready.Device;
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            IsHealthy = false;
            throw new SlotLostException($"Blender did not load the scene within {timeout.TotalSeconds:0} s.");
        }

        IsHealthy = false;
        throw new SlotLostException($"Blender stopped before the scene was loaded: {await _process.DescribeExitAsync().ConfigureAwait(false)}");
    }

    /// <summary>
    /// Sends one chunk and reports each frame until the worker says the chunk is done. A written frame always carries
    /// the path this session ordered for it, never one the worker names; news about a frame outside the chunk is dropped.
    /// </summary>
    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<(int Frame, string Path)> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        IsHealthy = false; // until the worker confirms the whole chunk
        try
        {
            await _process.WriteLineAsync(WorkerProtocol.RenderCommand(frames), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new SlotLostException($"Blender stopped taking commands: {await _process.DescribeExitAsync().ConfigureAwait(false)}", e);
        }

        var ordered = frames.ToDictionary(f => f.Frame, f => f.Path);
        var current = frames[0].Frame;
        while (true)
        {
            var line = await _process.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                throw new SlotLostException($"{await _process.DescribeExitAsync().ConfigureAwait(false)} while rendering frame {current}");
            }

            switch (WorkerProtocol.ParseLine(line, _token))
            {
                case WorkerChunkDone:
                    IsHealthy = true;
                    yield break;
                case WorkerFrameEvent { Event: var slotEvent } when ordered.TryGetValue(slotEvent.Frame, out var path):
                    if (slotEvent is FrameWritten written)
                    {
                        slotEvent = written with { WorkerPath = path };
                    }
                    else if (slotEvent is FrameBegan)
                    {
                        current = slotEvent.Frame;
                    }

                    yield return slotEvent;
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsHealthy)
        {
            try
            {
                using var timer = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _process.WriteLineAsync(WorkerProtocol.QuitCommand, timer.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // It is going away anyway.
            }
        }

        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
