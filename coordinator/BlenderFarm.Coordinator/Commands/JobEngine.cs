using BlenderFarm.Application.Jobs;
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

    public async Task<IPreparedRun?> PrepareResumeAsync(ResumeJob request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var lease = context.Store.TryTake(request.JobId);
        if (lease is null)
        {
            return null;
        }

        try
        {
            var state = context.Store.Read(request.JobId);
            var spec = state.Spec;
            if (!File.Exists(spec.BlendFile))
            {
                throw new UserFacingException($"The job's scene {spec.BlendFile} is gone: put it back to resume job {request.JobId}.");
            }

            var workers = (WorkersSpec?)request.Workers ?? ResumeCommand.WorkersFor(context, null, spec);
            var blender = request.Blender is not null || !File.Exists(spec.BlenderPath) ? BlenderLocator.Find(request.Blender) : spec.BlenderPath;
            JobSubmission.PrepareOutputFolder(spec.OutputDirectory);
            var workforce = await SlotFactory.CreateAsync(context, workers, spec, blender, cancellationToken).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"Resuming job {request.JobId} on {workers}").ConfigureAwait(false);
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
