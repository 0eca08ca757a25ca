using System.Security.Cryptography;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>One file a job needs on a worker: where it goes in the job folder, where it is here, and its content hash.</summary>
public sealed record JobFile(string RelativePath, string LocalPath, string Sha256, long Bytes);

/// <summary>
/// The files a job needs on a worker host: the .blend and every external file it uses, each at the place the one
/// layout rule (the add-on's job_layout.py, run by the scene inspection) gave it: files in the .blend's folder (or
/// below) keep their place relative to it, so <c>//</c> paths resolve unchanged; files elsewhere go to
/// <c>_external/ABSOLUTE/PATH</c>. The .blend files (the scene and its libraries) travel as the copies the one
/// remapper rewrote (<see cref="BlenderFarm.Blender.Discovery.JobBlendRemapper"/>), so they point only inside the job.
/// </summary>
public sealed record JobFiles(IReadOnlyList<JobFile> Files, string BlendRelativePath)
{
    public long TotalBytes => Files.Sum(f => f.Bytes);

    /// <param name="rewritten">The remapped copies of the .blend files, by their place in the job folder; these travel instead of the originals.</param>
    public static JobFiles Plan(string blendFile, IEnumerable<SceneDependency> dependencies, IReadOnlyDictionary<string, string>? rewritten = null)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var files = new Dictionary<string, JobFile>(StringComparer.Ordinal);
        string Local(string target, string original) => rewritten?.GetValueOrDefault(target) ?? Path.GetFullPath(original);
        var blend = Add(files, Path.GetFileName(blendFile), Local(Path.GetFileName(blendFile), blendFile));
        foreach (var dependency in dependencies)
        {
            Add(files, dependency.Target, Local(dependency.Target, dependency.Absolute));
        }

        return new JobFiles([.. files.Values], blend.RelativePath);
    }

    private static JobFile Add(Dictionary<string, JobFile> files, string relative, string local)
    {
        if (!files.TryGetValue(relative, out var file))
        {
            file = new JobFile(relative, local, Hash(local), new FileInfo(local).Length);
            files[relative] = file;
        }

        return file;
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
