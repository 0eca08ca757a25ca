using System.Security.Cryptography;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>One file a job needs on a worker: where it goes in the job folder, where it is here, and its content hash.</summary>
public sealed record JobFile(string RelativePath, string LocalPath, string Sha256, long Bytes);

/// <summary>
/// The files a job needs on a worker host: the .blend and every external file it uses, each at the place the one
/// layout rule (the add-on's job_layout.py, run by the scene inspection) gave it: files in the .blend's folder (or
/// below) keep their place relative to it, so <c>//</c> paths resolve unchanged; files elsewhere go to
/// <c>_external/ABSOLUTE/PATH</c> and the worker remaps the paths that point to them.
/// </summary>
public sealed record JobFiles(IReadOnlyList<JobFile> Files, string BlendRelativePath, IReadOnlyDictionary<string, string> Remap, IReadOnlyList<string> Unmappable)
{
    public long TotalBytes => Files.Sum(f => f.Bytes);

    public static JobFiles Plan(string blendFile, IEnumerable<SceneDependency> dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var files = new Dictionary<string, JobFile>(StringComparer.Ordinal);
        var remap = new Dictionary<string, string>(StringComparer.Ordinal);
        var unmappable = new List<string>();
        var blend = Add(files, Path.GetFileName(blendFile), blendFile);
        foreach (var dependency in dependencies)
        {
            Add(files, dependency.Target, Path.GetFullPath(dependency.Absolute));
            if (dependency.RemapTo is null)
            {
                continue;
            }

            if (dependency.Linked)
            {
                unmappable.Add($"{dependency.Kind} '{dependency.Name}' ({dependency.Path})");
            }
            else
            {
                remap[dependency.Path] = dependency.RemapTo;
            }
        }

        return new JobFiles([.. files.Values], blend.RelativePath, remap, unmappable);
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
