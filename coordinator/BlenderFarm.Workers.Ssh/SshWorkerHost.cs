using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BlenderFarm.Blender.Output;
using BlenderFarm.Blender.Scripts;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Ssh.Bootstrap;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Workers.Ssh;

/// <summary>
/// A worker host reached over SSH, prepared for one job: host key checked, Blender and GPUs found, the worker script
/// and the job's files in place. It offers one slot per GPU (or one CPU slot, or the count the user set).
/// </summary>
public sealed class SshWorkerHost
{
    private SshWorkerHost(HostSpec host, HostFacts facts, string jobFolder, string framesFolder, string workerScript, string blendRelativePath, SyncResult sync, bool shared)
    {
        IsShared = shared;
        Host = host;
        Facts = facts;
        JobFolder = jobFolder;
        FramesFolder = framesFolder;
        WorkerScript = workerScript;
        BlendRelativePath = blendRelativePath;
        UploadedFiles = sync.UploadedFiles;
        UploadedBytes = sync.UploadedBytes;
        FetchedFromPeerFiles = sync.FetchedFiles;
        FetchedFromPeerBytes = sync.FetchedBytes;
    }

    public HostSpec Host { get; }

    public HostFacts Facts { get; }

    /// <summary>The job's input folder on the host.</summary>
    public string JobFolder { get; }

    /// <summary>Where the host's slots write frames before they are fetched.</summary>
    public string FramesFolder { get; }

    public string WorkerScript { get; }

    public string BlendRelativePath { get; }

    public int UploadedFiles { get; }

    /// <summary>True when the job's files and frames go through shared storage that this machine sees too.</summary>
    public bool IsShared { get; }

    public long UploadedBytes { get; }

    /// <summary>Files of the job this host fetched from the first host of its network instead of from this machine.</summary>
    public int FetchedFromPeerFiles { get; }

    public long FetchedFromPeerBytes { get; }

    /// <summary>Bytes of the worker script sent to this host (it goes to every host, a few KB).</summary>
    public long WorkerScriptBytes { get; private init; }

    /// <summary>Slots: the user's count, else one per GPU, else one using every CPU core.</summary>
    public int SlotCount => Host.Slots ?? Math.Max(1, Facts.Gpus.Count);

    public bool UsesGpus => Facts.Gpus.Count > 0;

    /// <summary>
    /// Connects, checks the host key, finds Blender and GPUs, and syncs the job's files and the worker script. With
    /// <paramref name="peers"/>, the files the host lacks come from the seed of its network first.
    /// </summary>
    public static async Task<SshWorkerHost> PrepareAsync(HostSpec host, SshHostOptions options, JobFiles files, CancellationToken cancellationToken, PeerShare? peers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        using var connection = await SshConnection.ConnectAsync(host, options.HostKeys, cancellationToken).ConfigureAwait(false);
        var facts = await HostProbe.ProbeAsync(connection, cancellationToken).ConfigureAwait(false);
        if (options is { Shared: { } shared, SharedJob: { } folder })
        {
            await EnsureSeesAsync(connection, shared, folder.Input + "/" + files.BlendRelativePath, cancellationToken).ConfigureAwait(false);
            return new SshWorkerHost(host, facts, folder.Input, folder.Frames, folder.WorkerScript, files.BlendRelativePath, new SyncResult(0, 0, 0, 0), shared: true);
        }

        var jobRoot = $"{facts.WorkFolder}/jobs/{options.JobId}";
        var script = await UploadWorkerScriptAsync(connection, facts.WorkFolder, options.WorkerScript, cancellationToken).ConfigureAwait(false);
        var sync = await RemoteJobFolder.SyncAsync(connection, facts.WorkFolder, jobRoot + "/input", files, cancellationToken, peers, options.Time, options.Warn).ConfigureAwait(false);
        return new SshWorkerHost(host, facts, jobRoot + "/input", jobRoot + "/frames", script, files.BlendRelativePath, sync, shared: false)
        {
            WorkerScriptBytes = new FileInfo(options.WorkerScript).Length,
        };
    }

    /// <summary>Checks that the host sees the job's .blend on the shared storage, running the mount command first if it does not.</summary>
    private static async Task EnsureSeesAsync(SshConnection connection, SharedStorage shared, string blend, CancellationToken cancellationToken)
    {
        var check = $"test -f {RemoteScript.Path(blend)}";
        var (code, _, _) = await connection.RunAsync(check, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (code == 0)
        {
            return;
        }

        if (shared.MountCommand is { } mount)
        {
            var (mounted, _, error) = await connection.RunAsync(mount, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
            (code, _, _) = await connection.RunAsync(check, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (code == 0)
            {
                return;
            }

            throw new SshFailure($"Host {connection.Host.Name} does not see the shared storage {shared.Folder} even after its mount command (exit {mounted}: {error.Trim()}).");
        }

        throw new SshFailure($"Host {connection.Host.Name} does not see the shared storage {shared.Folder}: mount it there at the same path, or give --mount-command.");
    }

    public IReadOnlyList<IWorkerSlot> CreateSlots(SshHostOptions options) =>
        [.. Enumerable.Range(0, SlotCount).Select(i => new SshSlot(this, options, UsesGpus && i < Facts.Gpus.Count ? Facts.Gpus[i].Index : null,
            string.Create(CultureInfo.InvariantCulture, $"{Host.Name}#{i + 1}")))];

    /// <summary>The script (for /bin/sh, never the login shell) that starts the worker for one slot on this host.</summary>
    internal string WorkerCommand(string slotId, int? gpu, string fileFormat, string token)
    {
        var line = new StringBuilder();
        line.Append("cd ").Append(RemoteScript.Path(JobFolder)).Append(" && exec env");
        if (gpu is { } index)
        {
            line.Append(CultureInfo.InvariantCulture, $" CUDA_VISIBLE_DEVICES={index}");
        }

        line.Append(' ').Append(HostProbe.RemotePath(Host.BlenderPath)).Append(' ');
        line.Append(ShellQuote.Join(["-b", RemoteScript.Unoptioned(BlendRelativePath), "--factory-startup", .. BlenderLogLine.RenderLogArguments, "--python-exit-code", "1", "--python", RemoteScript.Unoptioned(WorkerScript),
            "--", "--threads", "0", "--slot", slotId, "--format", fileFormat, "--token", token]));
        if (gpu is not null)
        {
            line.Append(" --gpu");
        }

        return line.ToString();
    }

    private static async Task<string> UploadWorkerScriptAsync(SshConnection connection, string workFolder, string localScript, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(localScript, cancellationToken).ConfigureAwait(false);
        var folder = $"{workFolder}/scripts/{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}";
        var remote = folder + "/" + ScriptFiles.Worker;
        var (code, _, _) = await connection.RunAsync($"mkdir -p {RemoteScript.Path(folder)}", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            throw new SshFailure($"Cannot create {folder} on {connection.Host.Name}.");
        }

        using var content = new MemoryStream(bytes);
        await connection.UploadAsync(content, remote, cancellationToken).ConfigureAwait(false);
        return remote;
    }
}
