using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Ports;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Application.Tests.Fakes;

/// <summary>
/// An engine that journals real jobs in a real job store but renders nothing: each run waits until the test finishes
/// it or the service stops it, and lets the test drive its observer.
/// </summary>
internal sealed class FakeJobEngine(JobStore store, TimeProvider time) : IJobEngine
{
    private readonly List<FakeRun> _runs = [];

    /// <summary>The runs so far (a copy: runs start on the service's threads).</summary>
    public IReadOnlyList<FakeRun> Runs
    {
        get
        {
            lock (_runs)
            {
                return [.. _runs];
            }
        }
    }

    public FakeRun Last => Runs[^1];

    /// <summary>Worker hosts each new run journals at its start; null: none.</summary>
    public IReadOnlyList<Domain.Jobs.WorkerHost>? Hosts { get; set; }

    public Task<IPreparedRun> PrepareAsync(SubmitJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = TestJobs.Spec(TestJobs.Frames(1, 4), jobId: request.JobId ?? "job-1");
        var run = new FakeRun(store.Create(spec), Domain.Jobs.JobState.New(spec), time) { Hosts = Hosts };
        Add(run);
        return Task.FromResult<IPreparedRun>(run);
    }

    /// <summary>Whether each new pooled run is slow to stop (see <see cref="FakeRun.SlowToStop"/>).</summary>
    public bool SlowToStop { get; set; }

    /// <summary>Jobs whose pooled run fails to start, with the one sentence it fails with (as a scene that is gone).</summary>
    public Dictionary<string, string> CannotStart { get; } = [];

    public Task<Domain.Jobs.JobSpec> CheckAsync(SubmitJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(TestJobs.Spec(TestJobs.Frames(1, 4), jobId: request.JobId ?? "job-1"));
    }

    public Task<IPreparedRun?> PreparePooledAsync(string jobId, IWorkersChoice pool, ChannelReader<SlotLoan> loans, CancellationToken cancellationToken)
    {
        if (CannotStart.TryGetValue(jobId, out var why))
        {
            throw new InvalidOperationException(why);
        }

        var lease = store.TryTake(jobId);
        if (lease is null)
        {
            return Task.FromResult<IPreparedRun?>(null);
        }

        var run = new FakeRun(lease, store.Read(jobId), time) { Loans = loans, SlowToStop = SlowToStop };
        Add(run);
        return Task.FromResult<IPreparedRun?>(run);
    }

    public Task<IPreparedRun?> PrepareResumeAsync(ResumeJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lease = store.TryTake(request.JobId);
        if (lease is null)
        {
            return Task.FromResult<IPreparedRun?>(null);
        }

        var run = new FakeRun(lease, store.Read(request.JobId), time);
        Add(run);
        return Task.FromResult<IPreparedRun?>(run);
    }

    private void Add(FakeRun run)
    {
        lock (_runs)
        {
            _runs.Add(run);
        }
    }
}
