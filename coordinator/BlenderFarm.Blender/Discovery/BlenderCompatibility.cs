namespace BlenderFarm.Blender.Discovery;

/// <summary>What a worker's Blender can do with a file saved by another version.</summary>
public enum BlendCompatibility
{
    /// <summary>The worker runs the file's version or a newer one.</summary>
    Reads,

    /// <summary>An older minor release of the file's major version: it opens the file, but data of newer features may be lost.</summary>
    Warn,

    /// <summary>An older major release: it cannot read the file (5.x files do not even open in 3.x).</summary>
    Refuse,
}

/// <summary>Compares the Blender that saved a .blend with a worker's Blender, and says so in one sentence.</summary>
public static class BlenderCompatibility
{
    /// <summary>The verdict and, unless the worker reads the file, the sentence to show. <paramref name="where"/> names the worker: "this computer", "host farm1".</summary>
    public static (BlendCompatibility Verdict, string Sentence) Judge(string fileName, BlenderRelease saved, string where, string workerVersion)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var worker = BlenderRelease.Parse(workerVersion);
        if (worker is null || worker.CompareTo(saved) >= 0)
        {
            return (BlendCompatibility.Reads, "");
        }

        var version = workerVersion.Trim();
        return worker.Major < saved.Major
            ? (BlendCompatibility.Refuse, $"{fileName} was saved by Blender {saved} and {where} has Blender {version}, an older major version that cannot read it: install Blender {saved} or newer there, or save the file with Blender {worker.Major}.x.")
            : (BlendCompatibility.Warn, $"{fileName} was saved by Blender {saved} and {where} has the older Blender {version}: what newer features store in the file may be lost in its frames.");
    }

    /// <summary>The version a Blender executable reports with <c>--version</c> ("4.3.2"), or null when it says none.</summary>
    public static async Task<string?> ProbeAsync(string blender, CancellationToken cancellationToken)
    {
        var (_, output) = await ProcessRunner.RunAsync(blender, ["--version"], TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Blender ", StringComparison.Ordinal) && BlenderRelease.Parse(l) is not null);
        return line?["Blender ".Length..];
    }
}
