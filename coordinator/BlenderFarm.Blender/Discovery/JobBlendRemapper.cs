using System.Text.Json;
using BlenderFarm.Blender.Scripts;

namespace BlenderFarm.Blender.Discovery;

/// <summary>One .blend the job carries (the scene or a linked library): where it is here and its place in the job folder.</summary>
public sealed record JobBlend(string Original, string Target);

/// <summary>
/// Makes the job's copies of the scene and of every linked library point only inside the job folder, with the
/// add-on's own remapper (remap_job.py, run in one background Blender): each .blend is copied under a staging folder
/// at its place in the job, and every path in the copy is rewritten relative to it (files outside the project under
/// <c>_external/</c>, absolute paths inside the project made relative). A copy nothing changes in keeps the original's
/// bytes. The user's files are only read.
/// </summary>
public static class JobBlendRemapper
{
    /// <summary>Returns each copy's path under <paramref name="stagingFolder"/>, by its place in the job folder.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> RemapAsync(string blenderPath, string scriptFolder, string projectFolder,
        IReadOnlyList<JobBlend> blends, string stagingFolder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blends);
        var scripts = ScriptFiles.MaterializeTogether(scriptFolder, ScriptFiles.RemapJob, ScriptFiles.ScanDeps, ScriptFiles.JobLayout);
        var copies = new Dictionary<string, string>(StringComparer.Ordinal);
        var specs = new List<Dictionary<string, string>>();
        foreach (var blend in blends.DistinctBy(b => b.Target, StringComparer.Ordinal))
        {
            var copy = Path.Combine(stagingFolder, Path.Combine(blend.Target.Split('/')));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            CopyUnderUmask(blend.Original, copy);
            copies[blend.Target] = copy;
            specs.Add(new()
            {
                ["blend"] = copy,
                ["base"] = Path.GetDirectoryName(Path.GetFullPath(blend.Original))!,
                ["root"] = projectFolder,
                ["target"] = blend.Target,
                ["job_folder"] = stagingFolder,
            });
        }

        var specFile = Path.Combine(stagingFolder, ".remap.json");
        await File.WriteAllTextAsync(specFile, JsonSerializer.Serialize(specs), cancellationToken).ConfigureAwait(false);
        try
        {
            var (exitCode, output) = await ProcessRunner.RunAsync(blenderPath,
                ["-b", "--factory-startup", "--python-exit-code", "1", "--python", Path.Combine(scripts, ScriptFiles.RemapJob), "--", specFile],
                TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            if (exitCode != 0)
            {
                throw new UserFacingException($"Rewriting the paths in the job's copy of {Path.GetFileName(blends[0].Original)} failed: {BlenderErrorText.Summarize(output).TrimEnd('.')}.");
            }
        }
        finally
        {
            File.Delete(specFile);
        }

        return copies;
    }

    /// <summary>
    /// Copies the bytes only: a new file gets this process's umask (077 in the coordinator, so the copy in
    /// BLENDERFARM_HOME is 0600), where File.Copy would carry the original's mode (often 0644) into the private home.
    /// </summary>
    private static void CopyUnderUmask(string source, string target)
    {
        using var from = File.OpenRead(source);
        using var to = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        from.CopyTo(to);
    }
}
