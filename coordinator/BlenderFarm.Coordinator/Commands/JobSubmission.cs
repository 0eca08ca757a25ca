using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>What the user asked to render, before anything is checked.</summary>
internal sealed record RenderRequest(
    string BlendFile,
    string? Frames,
    string? Output,
    WorkersSpec Workers,
    ChunkPolicy Chunk,
    string? Blender,
    bool AllowMissing,
    string? JobId)
{
    /// <summary>Hosts given one by one with <c>--host user@host[:port]</c>; they make the job render over SSH.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>With <see cref="Hosts"/>: --shared-storage and --mount-command.</summary>
    public string? SharedStorage { get; init; }

    public string? MountCommand { get; init; }
}

/// <summary>
/// Turns a submit request into a job: checks the file, finds Blender, asks Blender about the scene, checks the frames
/// and the output folder, makes the workers ready, then journals the job. Every refusal is one sentence.
/// </summary>
internal static class JobSubmission
{
    /// <summary><c>render</c>, <c>demo</c> and <c>bench</c>: submits through the job service and waits for the run.</summary>
    public static Task<int> SubmitAndRunAsync(CliContext context, RenderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var jobId = request.JobId ?? (request.Hosts.Count > 0 ? JobStore.NewJobId(context.Time) : null);
        var workers = request.Hosts.Count > 0 ? WriteHostsFile(context, jobId!, request) : request.Workers;
        var submit = new SubmitJob(request.BlendFile, request.Frames, request.Output, workers, request.Chunk, request.Blender, request.AllowMissing, jobId);
        return CliJobRun.RunAsync(context, (service, observer) => service.SubmitAsync(submit, observer, CancellationToken.None));
    }

    /// <summary>Checks a new job, makes its workers ready and journals it; the returned run holds the job.</summary>
    public static async Task<PreparedJobRun> PrepareAsync(CliContext context, SubmitJob request)
    {
        var spec = await CheckAsync(context, request).ConfigureAwait(false);
        var (jobId, frames, scene, blender) = (spec.JobId, spec.Frames, spec.Scene, spec.BlenderPath);
        var workers = (WorkersSpec)request.Workers;

        // Hosts are reached and made ready before the job exists: a bad host refuses the job, it does not start it.
        var workforce = await SlotFactory.CreateAsync(context, workers, spec, blender, CancellationToken.None).ConfigureAwait(false);
        JobLease lease;
        try
        {
            lease = context.Store.Create(spec);
        }
        catch
        {
            await workforce.DisposeAsync().ConfigureAwait(false); // nothing may stay launched for a job that does not exist
            throw;
        }

        var prepared = new PreparedJobRun(context, lease, JobState.New(spec), workers, workforce);
        try
        {
            if (workers.Shared is { } shared)
            {
                await File.WriteAllTextAsync(SharedStorageFile(context, jobId), System.Text.Json.JsonSerializer.Serialize(shared)).ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Job {jobId}: {frames.Count} frames of '{scene.SceneName}' ({scene.Width}x{scene.Height} {scene.FileFormat}, {scene.Engine}) on {workers}; resume with 'blenderfarm resume {jobId}'")).ConfigureAwait(false);
            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Checks the file, Blender, the scene, the frames and the output folder; returns the job to journal.</summary>
    public static async Task<JobSpec> CheckAsync(CliContext context, SubmitJob request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var logger = context.Loggers.CreateLogger<JobRun>();
        var requestedFrames = request.Frames is null ? null : FrameSpec.Parse(request.Frames);
        var blendFile = BlendFileCheck.EnsureLooksLikeBlend(request.BlendFile);
        var blender = BlenderLocator.Find(request.Blender);
        var report = await BlendVersionCheck.InspectAsync(blender, blendFile, context.ScriptFolder, logger, CancellationToken.None).ConfigureAwait(false);
        var scene = report.Scene;
        if (!report.HasCamera)
        {
            throw new UserFacingException($"Scene '{scene.SceneName}' in {request.BlendFile} has no active camera: set one in Scene Properties.");
        }

        if (report.MissingFiles.Count > 0)
        {
            if (!request.AllowMissing)
            {
                throw new MissingSceneFilesException(report.MissingFiles);
            }

            Log.Warning(logger, $"rendering without missing files: {string.Join(", ", report.MissingFiles)}");
        }

        if (report.IsMovieOutput)
        {
            Log.Warning(logger, $"the scene writes a movie ({report.OriginalFileFormat}), which cannot be split across slots: rendering PNG frames instead");
        }

        var frames = requestedFrames ?? FrameSpec.FromScene(scene.FrameStart, scene.FrameEnd, scene.FrameStep);
        FrameSpec.EnsureInsideScene(frames, scene.FrameStart, scene.FrameEnd);
        var output = PrepareOutputFolder(request.Output ?? DefaultOutput(blendFile));

        var jobId = request.JobId ?? JobStore.NewJobId(context.Time);
        return new JobSpec(jobId, blendFile, output, frames, scene, request.Chunk, request.Workers.ToString()!, blender, context.Time.GetUtcNow());
    }

    /// <summary>Hosts given with --host are kept as a hosts file in the job's folder, so resume finds them.</summary>
    private static WorkersSpec WriteHostsFile(CliContext context, string jobId, RenderRequest request)
    {
        var folder = context.Store.JobFolder(jobId);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "hosts");
        var identity = request.Workers.Ssh.Identity;
        File.WriteAllLines(file, request.Hosts.Select(h => identity is null ? h : $"{h} key=\"{identity}\""));
        return new WorkersSpec("ssh", 0, file) { Ssh = request.Workers.Ssh }.WithSharedStorage(request.SharedStorage, request.MountCommand);
    }

    /// <summary>The job's shared storage, kept in its folder so resume uses it again.</summary>
    public static string SharedStorageFile(CliContext context, string jobId) => Path.Combine(context.Store.JobFolder(jobId), "shared-storage.json");

    public static string DefaultOutput(string blendFile) =>
        Path.Combine(Path.GetDirectoryName(blendFile)!, Path.GetFileNameWithoutExtension(blendFile) + "-frames");

    /// <summary>Creates the folder and proves a file can be written there.</summary>
    public static string PrepareOutputFolder(string folder)
    {
        var full = Path.GetFullPath(folder);
        try
        {
            if (!Directory.Exists(full))
            {
                Directory.CreateDirectory(full);
                PrivateFiles.Share(full, folder: true);
            }

            var probe = Path.Combine(full, $".blenderfarm-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "probe");
            File.Delete(probe);
            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = Domain.Running.DiskFullException.IsDiskFull(e) ? "the disk is full" : e.Message.TrimEnd('.');
            throw new UserFacingException($"The output folder {folder} cannot be written: {reason}.", e);
        }
    }
}
