using System.Security.Cryptography;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>One file a job needs on a worker: where it goes in the job folder, where it is here, and its content hash.</summary>
public sealed record JobFile(string RelativePath, string LocalPath, string Sha256, long Bytes);

/// <summary>
/// The files a job needs on a worker host: the .blend and every external file it uses. Files in the .blend's folder
/// (or below) keep their place relative to it, so <c>//</c> paths resolve unchanged; files elsewhere go to
/// <c>_external/HASH/NAME</c> and the worker remaps the paths that point to them.
/// </summary>
public sealed record JobFiles(IReadOnlyList<JobFile> Files, string BlendRelativePath, IReadOnlyDictionary<string, string> Remap, IReadOnlyList<string> Unmappable)
{
    public long TotalBytes => Files.Sum(f => f.Bytes);

    public static JobFiles Plan(string blendFile, IEnumerable<SceneDependency> dependencies)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var root = Path.GetDirectoryName(Path.GetFullPath(blendFile))!;
        var files = new Dictionary<string, JobFile>(StringComparer.Ordinal);
        var remap = new Dictionary<string, string>(StringComparer.Ordinal);
        var unmappable = new List<string>();
        var blend = Add(files, Path.GetFileName(blendFile), blendFile);
        foreach (var dependency in dependencies)
        {
            var local = Path.GetFullPath(dependency.Absolute);
            var relative = Path.GetRelativePath(root, local);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                Add(files, relative.Replace('\\', '/'), local);
                continue;
            }

            var hash = Hash(local);
            var placed = $"_external/{hash[..12]}/{Path.GetFileName(local)}";
            Add(files, placed, local, hash);
            if (dependency.Linked)
            {
                unmappable.Add($"{dependency.Kind} '{dependency.Name}' ({dependency.Path})");
            }
            else
            {
                remap[dependency.Path] = "//" + placed;
            }
        }

        return new JobFiles([.. files.Values], blend.RelativePath, remap, unmappable);
    }

    private static JobFile Add(Dictionary<string, JobFile> files, string relative, string local, string? hash = null)
    {
        if (!files.TryGetValue(relative, out var file))
        {
            file = new JobFile(relative, local, hash ?? Hash(local), new FileInfo(local).Length);
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
