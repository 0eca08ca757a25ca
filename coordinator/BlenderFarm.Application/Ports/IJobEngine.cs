using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application.Ports;

/// <summary>
/// What the service needs to start a run: checking a request against Blender and the scene, making the workers
/// ready (local slots, SSH hosts, cloud instances) and journaling the job. Implemented by the composition root.
/// </summary>
public interface IJobEngine
{
    /// <summary>Checks the request, makes the workers ready and journals a new job, held by the returned run.</summary>
    /// <exception cref="Exception">The refusal, one sentence (a missing file, a bad frame range, no Blender).</exception>
    Task<IPreparedRun> PrepareAsync(SubmitJob request, CancellationToken cancellationToken);

    /// <summary>Checks the request and returns the new job, journaling nothing and making no workers ready (the farm's queue journals it).</summary>
    /// <exception cref="Exception">The refusal, one sentence.</exception>
    Task<JobSpec> CheckAsync(SubmitJob request, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a journaled job for a run on places of the farm's pool: each loan read from <paramref name="loans"/>
    /// becomes a slot of <paramref name="pool"/>'s kind that joins the run; a recalled loan is returned before the
    /// slot's next chunk, and every loan is returned when the run ends. Null when another process holds the job.
    /// </summary>
    Task<IPreparedRun?> PreparePooledAsync(string jobId, IWorkersChoice pool, ChannelReader<SlotLoan> loans, CancellationToken cancellationToken);

    /// <summary>Takes an existing job for a new run; null when another coordinator process holds it.</summary>
    Task<IPreparedRun?> PrepareResumeAsync(ResumeJob request, CancellationToken cancellationToken);
}

/// <summary>A job taken by this process with its workers ready: run it once, then dispose it (releases the job).</summary>
public interface IPreparedRun : IAsyncDisposable
{
    JobState State { get; }

    /// <summary>Opens the run in the journal, renders until every frame ended or <paramref name="control"/> stops it.</summary>
    /// <param name="started">Called once the run is journaled and its slots start.</param>
    Task<JobOutcome> RunAsync(IJobObserver observer, RunControl control, Action started);
}
