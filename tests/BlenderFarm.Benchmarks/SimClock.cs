namespace BlenderFarm.Benchmarks;

/// <summary>
/// A simulated clock: time moves only when <see cref="AdvanceToNext"/> is called, jumping to the next timer. Timer
/// callbacks run on the thread pool, so the code they wake runs as it does in production (not on the driver thread).
/// </summary>
internal sealed class SimClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly PriorityQueue<SimTimer, (long Due, long Seq)> _timers = new();
    private long _now;
    private long _seq;

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Simulated seconds since the start.</summary>
    public double Seconds => Interlocked.Read(ref _now) / (double)TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => Epoch.AddTicks(Interlocked.Read(ref _now));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>A task that completes after the simulated delay (or is cancelled).</summary>
    public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var timer = CreateTimer(_ => done.TrySetResult(), null, delay, Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() =>
            {
                timer.Dispose();
                done.TrySetCanceled(cancellationToken);
            });
            _ = done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return done.Task;
    }

    /// <summary>Moves time to the next due timer and fires every timer due then. False when no timer is pending.</summary>
    public bool AdvanceToNext()
    {
        var due = new List<SimTimer>();
        lock (_lock)
        {
            while (_timers.TryPeek(out var first, out var key) && (first.Due != key.Due || first.Seq != key.Seq))
            {
                _timers.Dequeue(); // stale entry of a timer changed or disposed since
            }

            if (!_timers.TryPeek(out _, out var next))
            {
                return false;
            }

            Interlocked.Exchange(ref _now, Math.Max(_now, next.Due));
            while (_timers.TryPeek(out var timer, out var key) && key.Due <= _now)
            {
                _timers.Dequeue();
                if (timer.Due == key.Due && timer.Seq == key.Seq)
                {
                    due.Add(timer);
                    timer.Fired();
                }
            }
        }

        foreach (var timer in due)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static t => t.Invoke(), timer, preferLocal: false);
        }

        return true;
    }

    private void Schedule(SimTimer timer, long due)
    {
        lock (_lock)
        {
            timer.Due = Math.Max(due, _now);
            timer.Seq = ++_seq;
            _timers.Enqueue(timer, (timer.Due, timer.Seq));
        }
    }

    private void Unschedule(SimTimer timer)
    {
        lock (_lock)
        {
            timer.Seq = -1;
        }
    }

    private sealed class SimTimer(SimClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _period = -1;

        public long Due { get; set; }

        public long Seq { get; set; } = -1;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period == Timeout.InfiniteTimeSpan ? -1 : period.Ticks;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                clock.Unschedule(this);
            }
            else
            {
                clock.Schedule(this, Interlocked.Read(ref clock._now) + dueTime.Ticks);
            }

            return true;
        }

        /// <summary>Under the clock's lock: a periodic timer is put back for its next period.</summary>
        public void Fired()
        {
            if (_period > 0)
            {
                Due = clock._now + _period;
                Seq = ++clock._seq;
                clock._timers.Enqueue(this, (Due, Seq));
            }
            else
            {
                Seq = -1;
            }
        }

        public void Invoke() => callback(state);

        public void Dispose() => clock.Unschedule(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
