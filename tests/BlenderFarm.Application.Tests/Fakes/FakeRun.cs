using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Application.Tests.Fakes;

/// <summary>A run that journals its start and end through the job's state machine and waits in between.</summary>
internal sealed class FakeRun(JobLease lease, JobState state, TimeProvider time) : IPreparedRun
{
    private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _handedBack = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobState State { get; } = state;

    public IJobObserver? Observer { get; private set; }

    /// <summary>With the farm's queue: the places lent to this run.</summary>
    public ChannelReader<SlotLoan>? Loans { get; init; }

    public bool Disposed { get; private set; }

    /// <summary>Worker hosts the run journals at its start, as a run on SSH hosts does; null: none (local slots).</summary>
    public IReadOnlyList<WorkerHost>? Hosts { get; init; }

    public async Task<JobOutcome> RunAsync(IJobObserver observer, RunControl control, Action started)
    {
        ArgumentNullException.ThrowIfNull(control);
        if (Hosts is not null)
        {
            var run = new RunStarted(time.GetUtcNow(), Environment.ProcessId, "ssh:hosts.txt", Hosts);
            lease.Journal.Append(run);
            State.Apply(run);
        }

        State.StatusChanged += observer.OnStatusChanged;
        State.ChangeStatus(lease.Journal, JobStatus.Running, time.GetUtcNow(), null);
        Observer = observer;
        observer.OnStarted(State.Spec, Progress(done: 0));
        started();
        await Task.WhenAny(_finish.Task, Task.Delay(Timeout.Infinite, control.Token)).ConfigureAwait(false);
        if (SlowToStop && control.Token.IsCancellationRequested)
        {
            await _handedBack.Task.ConfigureAwait(false); // its slots end their frames in flight
        }

        var stop = control.TakeStop();
        var status = stop?.Status ?? JobStatus.Completed;
        State.ChangeStatus(lease.Journal, status, time.GetUtcNow(), stop?.Reason);
        if (SlowToStop && stop is not null)
        {
            await _closed.Task.ConfigureAwait(false); // its workers shut down
        }

        observer.OnEnded(Progress(done: 0));
        return new JobOutcome(State.Spec.JobId, status, $"Job {State.Spec.JobId} ended {status}.");
    }

    /// <summary>Once stopped, the run waits for <see cref="HandBackFrames"/> before it takes its stop, then for <see cref="Close"/> before it ends.</summary>
    public bool SlowToStop { get; init; }

    public void Finish() => _finish.TrySetResult();

    /// <summary>Journals a frame verified in the output folder, as a run does when its file checks out.</summary>
    public void Verified(int frame)
    {
        var done = new FrameChanged(frame, Domain.Frames.FrameState.Queued, Domain.Frames.FrameState.Done, time.GetUtcNow(), null, 0, null, null, null);
        lease.Journal.Append(done);
        State.Apply(done);
    }

    /// <summary>A slow-to-stop run's frames in flight are back in its queue: it takes its stop and journals it.</summary>
    public void HandBackFrames() => _handedBack.TrySetResult();

    /// <summary>A slow-to-stop run's workers are shut down: it ends.</summary>
    public void Close() => _closed.TrySetResult();

    public JobProgress Progress(int done) =>
        new(State.Spec.Frames.Count, done, 0, State.Spec.Frames.Count - done, 0, null, null, TimeSpan.FromSeconds(done), [], 0);

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        lease.Dispose();
        return ValueTask.CompletedTask;
    }
}
