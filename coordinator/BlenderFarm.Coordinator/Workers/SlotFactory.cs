using System.Globalization;
using System.Threading.Channels;
using BlenderFarm.Application.Queue;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Blender.Scripts;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Running;
using BlenderFarm.Storage;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Fleet;
using BlenderFarm.Workers.Local;
using BlenderFarm.Workers.Ssh;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>Builds what a job renders on from its workers spec: local Blender processes, SSH hosts made ready, or a spot fleet.</summary>
internal static class SlotFactory
{
    public static async Task<Workforce> CreateAsync(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath, CancellationToken cancellationToken) =>
        workers.Kind switch
        {
            "ssh" => await CreateSshAsync(context, workers, spec, blenderPath, cancellationToken).ConfigureAwait(false),
            "aws" => new Workforce([], await CreateFleetAsync(context, workers, spec, blenderPath, cancellationToken).ConfigureAwait(false)),
            _ => new Workforce(CreateLocal(context, workers, spec, blenderPath)),
        };

    /// <summary>A queued job's slots: Blender processes on this machine, one per place the farm's pool lends it.</summary>
    public static Workforce CreatePooled(CliContext context, WorkersSpec pool, JobSpec spec, string blenderPath, ChannelReader<SlotLoan> loans)
    {
        var options = LocalOptions(context, pool, spec, blenderPath);
        return new Workforce([], pooled: new PooledSlots(loans, id => new LocalSlot(id, options)));
    }

    private static IReadOnlyList<IWorkerSlot> CreateLocal(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath)
    {
        var options = LocalOptions(context, workers, spec, blenderPath);
        return [.. Enumerable.Range(1, workers.Slots).Select(i => new LocalSlot(string.Create(CultureInfo.InvariantCulture, $"local-{i}"), options))];
    }

    private static LocalSlotOptions LocalOptions(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath)
    {
        var worker = ScriptFiles.Materialize(ScriptFiles.Worker, context.ScriptFolder);
        var workFolder = Path.Combine(FileFrameStore.StagingFolder(spec.OutputDirectory), "slots");
        return new LocalSlotOptions(blenderPath, spec.BlendFile, worker, workFolder, workers.ThreadsPerSlot, spec.Scene.FileFormat);
    }

    private static async Task<Workforce> CreateSshAsync(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath, CancellationToken cancellationToken)
    {
        var logger = context.Loggers.CreateLogger<SshWorkerHost>();
        IReadOnlyList<HostSpec> hosts;
        try
        {
            hosts = HostsFile.Parse(await File.ReadAllTextAsync(workers.HostsFile!, cancellationToken).ConfigureAwait(false), workers.HostsFile!, workers.Ssh.Identity);
        }
        catch (FormatException e)
        {
            throw new UserFacingException(e.Message, e);
        }

        var (files, options) = await PlanRemoteJobAsync(context, workers, spec, blenderPath, logger, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<SshWorkerHost> prepared;
        try
        {
            prepared = await HostNetworks.PrepareAsync(hosts, options, files, cancellationToken).ConfigureAwait(false);
        }
        catch (SshFailure failure)
        {
            throw new UserFacingException(failure.Message, failure);
        }

        foreach (var host in prepared)
        {
            var transfer = host.IsShared
                ? $"job files on shared storage {workers.Shared!.Folder}"
                : string.Create(CultureInfo.InvariantCulture, $"uploaded {host.UploadedFiles} file(s), {host.UploadedBytes} bytes of {files.Files.Count} file(s), {files.TotalBytes} bytes")
                    + (host.FetchedFromPeerFiles > 0 ? string.Create(CultureInfo.InvariantCulture, $"; fetched {host.FetchedFromPeerFiles} file(s), {host.FetchedFromPeerBytes} bytes from its network") : "");
            Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
                $"host {host.Host.Name}: Blender {host.Facts.BlenderVersion}, {host.Facts.Gpus.Count} GPU(s), {host.SlotCount} slot(s); {transfer}"));
            if (!host.UsesGpus)
            {
                Log.Warning(logger, $"host {host.Host.Name} has no NVIDIA GPU: rendering on its CPU");
            }
        }

        if (workers.Shared is null)
        {
            Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
                $"sent {prepared.Sum(h => h.UploadedBytes + h.WorkerScriptBytes)} bytes to {prepared.Count} host(s) in all, {prepared.Sum(h => h.UploadedBytes)} of them job files (one copy of the job: {files.TotalBytes} bytes)"));
        }

        var kept = BlendVersionCheck.HostsThatCanRead(prepared, spec.BlendFile, spec.Scene.FileBlenderVersion, logger);
        return new Workforce([.. kept.SelectMany(h => h.CreateSlots(options))], hosts: [.. kept.Select(h => new WorkerHost(h.Host.Name, h.Facts.BlenderVersion, h.SlotCount))]);
    }

    /// <summary>Checks AWS (credentials, image, prices), reclaims earlier runs' instances and sets up the farm; launches happen once the job runs.</summary>
    private static async Task<SpotFleet> CreateFleetAsync(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath, CancellationToken cancellationToken)
    {
        var logger = context.Loggers.CreateLogger<SpotFleet>();
        var options = AwsBlender.ForScene(AwsSettings.ToOptions(workers.Aws!), workers.Aws!, spec.Scene);
        var ec2 = Ec2Access.Open(options);
        var (files, hostOptions) = await PlanRemoteJobAsync(context, workers, spec, blenderPath, logger, cancellationToken).ConfigureAwait(false);
        var farms = Path.Combine(context.Store.Root, "aws");
        // The job's files go up to S3 (when storage is on) inside PrepareAsync, after the image and price checks.
        var setup = new FleetSetup(ec2, options, spec.JobId, farms, files, hostOptions, context.Time, logger)
        {
            IsJobActiveElsewhere = context.Store.IsTaken,
            BlendFileName = Path.GetFileName(spec.BlendFile),
            SavedBy = BlenderRelease.Parse(spec.Scene.FileBlenderVersion),
            UploadProgress = context.UploadWatcher(spec.JobId),
        };
        var fleet = await SpotFleet.PrepareAsync(setup, cancellationToken).ConfigureAwait(false);
        Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
            $"AWS: up to {options.MaxInstances} spot instance(s) of {string.Join(", ", options.InstanceTypes)} from {fleet.ImageDescription}, at most ${options.MaxCostUsd:0.00}"));
        return fleet;
    }

    /// <summary>The files the scene uses, as Blender sees them now (they travel with the job to every host), and how hosts are prepared.</summary>
    private static async Task<(JobFiles Files, SshHostOptions Options)> PlanRemoteJobAsync(CliContext context, WorkersSpec workers, JobSpec spec, string blenderPath, ILogger logger, CancellationToken cancellationToken)
    {
        var report = await SceneInspector.InspectAsync(blenderPath, spec.BlendFile, context.ScriptFolder, cancellationToken).ConfigureAwait(false);
        if (report.Refused.Count > 0)
        {
            throw new UserFacingException(report.Refused[0] + (report.Refused.Count > 1 ? $" ({report.Refused.Count - 1} more refused)" : ""));
        }

        // The scene and every library travel as copies rewritten by the add-on's remapper, pointing only inside the job.
        var blends = report.Dependencies.Where(d => d.Kind == "library").Select(d => new JobBlend(d.Absolute, d.Target))
            .Prepend(new JobBlend(spec.BlendFile, Path.GetFileName(spec.BlendFile))).ToList();
        var rewritten = await JobBlendRemapper.RemapAsync(blenderPath, context.ScriptFolder, Path.GetDirectoryName(Path.GetFullPath(spec.BlendFile))!, blends,
            Path.Combine(context.Store.JobFolder(spec.JobId), "blends"), cancellationToken).ConfigureAwait(false);
        var files = JobFiles.Plan(spec.BlendFile, report.Dependencies, rewritten);
        var outside = files.Files.Where(f => f.RelativePath.StartsWith("_external/", StringComparison.Ordinal)).ToList();
        if (outside.Count > 0)
        {
            Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
                $"{outside.Count} file(s) from outside the project ({outside.Sum(f => f.Bytes)} bytes) travel with the job: {string.Join(", ", outside.Select(f => $"{f.LocalPath} ({f.Bytes} bytes)"))}"));
        }

        var policy = new HostKeyPolicy(workers.Ssh.KnownHostsFiles, Path.Combine(context.Store.Root, "known_hosts"), workers.Ssh.AcceptNewHostKeys);
        var options = new SshHostOptions(policy, spec.JobId, spec.Scene.FileFormat, ScriptFiles.Materialize(ScriptFiles.Worker, context.ScriptFolder))
        {
            Warn = message => Log.Warning(logger, message),
            Time = context.Time,
        };
        if (workers.Shared is { } shared)
        {
            options = options with { Shared = shared, SharedJob = shared.Prepare(spec.JobId, files, options.WorkerScript) };
        }

        return (files, options);
    }
}
