using System.Security.Cryptography;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>
/// A folder every host sees at the same path as this machine (an NFS or EFS mount, say), with an optional command
/// a host runs to mount it when it does not see it yet. Job input is copied there once and read by every host;
/// hosts write frames there, and this machine picks them up from the same folder: nothing goes over SFTP.
/// </summary>
public sealed record SharedStorage(string Folder, string? MountCommand)
{
    /// <summary>Copies the job's files into <c>FOLDER/.blenderfarm/jobs/ID/input</c> (keeping their layout) and the worker script beside them.</summary>
    public SharedJobFolder Prepare(string jobId, JobFiles files, string workerScript)
    {
        ArgumentNullException.ThrowIfNull(files);
        var root = Path.Combine(Folder, ".blenderfarm");
        var input = Path.Combine(root, "jobs", jobId, "input");
        foreach (var file in files.Files)
        {
            var target = Path.Combine(input, file.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target) || new FileInfo(target).Length != file.Bytes || Hash(target) != file.Sha256)
            {
                File.Copy(file.LocalPath, target, overwrite: true);
            }
        }

        var scripts = Path.Combine(root, "scripts", Hash(workerScript)[..16]);
        Directory.CreateDirectory(scripts);
        var script = Path.Combine(scripts, Path.GetFileName(workerScript));
        File.Copy(workerScript, script, overwrite: true);
        var frames = Path.Combine(root, "jobs", jobId, "frames");
        Directory.CreateDirectory(frames);
        return new SharedJobFolder(input, frames, script);
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>Where a job lives on shared storage: its input, its frames, and the worker script.</summary>
public sealed record SharedJobFolder(string Input, string Frames, string WorkerScript);
