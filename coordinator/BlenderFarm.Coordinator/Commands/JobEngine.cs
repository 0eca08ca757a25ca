using System.Threading.Channels;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Application.Ports;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>The job service's engine in this process: Blender, the scene, the workers (local, SSH, AWS) and the run.</summary>
internal sealed class JobEngine(CliContext context) : IJobEngine
{
    public async Task<IPreparedRun> PrepareAsync(SubmitJob request, CancellationToken cancellationToken) =>
        await JobSubmission.PrepareAsync(context, request).ConfigureAwait(false);

    public Task<JobSpec> CheckAsync(SubmitJob request, CancellationToken cancellationToken) => JobSubmission.CheckAsync(context, request);

    public Task<IPreparedRun?> PrepareResumeAsync(ResumeJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TakeAsync(request.JobId, request.Blender, async (state, blender) =>
        {
            var workers = (WorkersSpec?)request.Workers ?? ResumeCommand.WorkersFor(context, null, state.Spec);
            var workforce = await SlotFactory.CreateAsync(context, workers, state.Spec, blender, cancellationToken).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"Resuming job {request.JobId} on {workers}").ConfigureAwait(false);
            return (workers, workforce);
        });
    }

    public Task<IPreparedRun?> PreparePooledAsync(string jobId, IWorkersChoice pool, ChannelReader<SlotLoan> loans, CancellationToken cancellationToken) =>
        TakeAsync(jobId, null, (state, blender) =>
            Task.FromResult(((WorkersSpec)pool, SlotFactory.CreatePooled(context, (WorkersSpec)pool, state.Spec, blender, loans))));

    /// <summary>Takes the job (null when another process holds it), checks its scene and output folder, makes its workers.</summary>
    private async Task<IPreparedRun?> TakeAsync(
        string jobId, string? blenderChoice, Func<JobState, string, Task<(WorkersSpec Workers, Workforce Workforce)>> makeWorkers)
    {
        var lease = context.Store.TryTake(jobId);
        if (lease is null)
        {
            return null;
        }

        try
        {
            var state = context.Store.Read(jobId);
            var spec = state.Spec;
            if (!File.Exists(spec.BlendFile))
            {
                throw new UserFacingException($"The job's scene {spec.BlendFile} is gone: put it back to resume job {jobId}.");
            }

            var blender = blenderChoice is not null || !File.Exists(spec.BlenderPath) ? BlenderLocator.Find(blenderChoice) : spec.BlenderPath;
            JobSubmission.PrepareOutputFolder(spec.OutputDirectory);
            var (workers, workforce) = await makeWorkers(state, blender).ConfigureAwait(false);
            return new PreparedJobRun(context, lease, state, workers, workforce);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }
}

/// <summary>A job this process holds, with its workers ready, before and during its one run.</summary>
internal sealed class PreparedJobRun(CliContext context, JobLease lease, JobState state, WorkersSpec workers, Workforce workforce) : IPreparedRun
{
    private bool _ran;

    public JobState State { get; } = state;

    public Task<JobOutcome> RunAsync(IJobObserver observer, RunControl control, Action started)
    {
        _ran = true; // the run disposes the workforce, whatever happens
        return new JobRun(context).RunAsync(lease, State, workers, workforce, observer, control, started);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ran)
        {
            await workforce.DisposeAsync().ConfigureAwait(false);
        }

        lease.Dispose();
    }
}
