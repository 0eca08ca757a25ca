namespace BlenderFarm.Domain.Tests.Fakes;

/// <summary>
/// What the fake slots do, shared by all of them so that it does not matter which slot draws a frame: frames that
/// fail, come out corrupt, lose their slot, go unreported, fail to fetch, or hold until the run is cancelled.
/// Each "once" happens to the first attempt that reaches it and never again.
/// </summary>
internal sealed class RenderScript
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (int Times, string Message)> _errors = [];
    private readonly HashSet<int> _corrupt = [];
    private readonly Dictionary<int, string> _losses = [];
    private readonly HashSet<int> _unreported = [];
    private readonly Dictionary<int, Exception> _fetchFailures = [];
    private readonly Dictionary<int, Exception> _crashes = [];
    private readonly Dictionary<int, Task> _gates = [];
    private readonly HashSet<int> _deaf = [];
    private int? _holdFrom;
    private int _holding;
    private int _holdTarget;
    private readonly TaskCompletionSource _holdReached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The content of a good frame file; anything else does not verify.</summary>
    public static string Marker(int frame) => $"BFTEST rendered frame {frame}\n";

    /// <summary>Blender reports an error for the frame this many times (int.MaxValue: every time).</summary>
    public void FailFrame(int frame, int times, string message) => Set(() => _errors[frame] = (times, message));

    /// <summary>The frame's file is written with bad content once.</summary>
    public void CorruptOnce(int frame) => Set(() => _corrupt.Add(frame));

    /// <summary>The slot's Blender dies (SlotLostException) once, right after beginning the frame.</summary>
    public void LoseSlotOnce(int frame, string reason) => Set(() => _losses[frame] = reason);

    /// <summary>The worker goes through its chunk without a word about this frame, once.</summary>
    public void SkipReportOnce(int frame) => Set(() => _unreported.Add(frame));

    /// <summary>Bringing the frame's file over throws this exception, once.</summary>
    public void FailFetchOnce(int frame, Exception exception) => Set(() => _fetchFailures[frame] = exception);

    /// <summary>The slot throws this unexpected exception once, right after beginning the frame.</summary>
    public void CrashOnce(int frame, Exception exception) => Set(() => _crashes[frame] = exception);

    /// <summary>The frame, once begun, waits for <paramref name="release"/> before it goes on, once.</summary>
    public void HoldUntil(int frame, Task release) => Set(() => _gates[frame] = release);

    /// <summary>
    /// Like <see cref="HoldUntil"/>, but a stop does not end the wait: the frame is saved and reported anyway, as when
    /// Blender is already writing the file as the stop comes.
    /// </summary>
    public void HoldThroughStop(int frame, Task release) => Set(() =>
    {
        _gates[frame] = release;
        _deaf.Add(frame);
    });

    /// <summary>
    /// Every frame from <paramref name="frame"/> on holds after it began until the run is cancelled. The task completes
    /// once <paramref name="slots"/> slots are holding.
    /// </summary>
    public Task HoldFrom(int frame, int slots)
    {
        Set(() =>
        {
            _holdFrom = frame;
            _holdTarget = slots;
        });
        return _holdReached.Task;
    }

    public string? TakeError(int frame) => Take(() =>
    {
        if (!_errors.TryGetValue(frame, out var error) || error.Times <= 0)
        {
            return null;
        }

        _errors[frame] = (error.Times == int.MaxValue ? int.MaxValue : error.Times - 1, error.Message);
        return error.Message;
    });

    public bool TakeCorrupt(int frame) => Take(() => _corrupt.Remove(frame));

    public string? TakeLoss(int frame) => Take(() => _losses.Remove(frame, out var reason) ? reason : null);

    public bool TakeUnreported(int frame) => Take(() => _unreported.Remove(frame));

    public Exception? TakeFetchFailure(int frame) => Take(() => _fetchFailures.Remove(frame, out var e) ? e : null);

    public Exception? TakeCrash(int frame) => Take(() => _crashes.Remove(frame, out var e) ? e : null);

    public async Task HoldIfAskedAsync(int frame, CancellationToken cancellationToken)
    {
        if (Take(() => _gates.Remove(frame, out var gate) ? gate : null) is { } release)
        {
            await (Take(() => _deaf.Remove(frame)) ? release : release.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }

        if (!Take(() => frame >= _holdFrom))
        {
            return;
        }

        if (Interlocked.Increment(ref _holding) >= _holdTarget)
        {
            _holdReached.TrySetResult();
        }

        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
    }

    private void Set(Action change)
    {
        lock (_lock)
        {
            change();
        }
    }

    private T Take<T>(Func<T> take)
    {
        lock (_lock)
        {
            return take();
        }
    }
}
