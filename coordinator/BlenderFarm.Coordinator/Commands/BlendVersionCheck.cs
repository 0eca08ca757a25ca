using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Workers.Ssh;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// The Blender of the file against the Blender of the workers: the version that saved the .blend (read from its header)
/// is compared with this computer's Blender before the scene is inspected, and with each SSH host's. An older minor
/// release is a warning; an older major release is refused, in one sentence.
/// </summary>
internal static class BlendVersionCheck
{
    /// <summary>Inspects the scene with this computer's Blender, refusing it in one sentence when that Blender is too old for the file.</summary>
    public static async Task<SceneReport> InspectAsync(string blender, string blendFile, string scriptFolder, ILogger logger, CancellationToken cancellationToken)
    {
        var saved = BlendFileVersion.Read(blendFile);
        var name = Path.GetFileName(blendFile);
        SceneReport report;
        try
        {
            report = await SceneInspector.InspectAsync(blender, blendFile, scriptFolder, cancellationToken).ConfigureAwait(false);
        }
        catch (UserFacingException failure) when (saved is not null)
        {
            // A Blender too old for the file cannot open it to say so: ask it its version only then.
            if (await BlenderCompatibility.ProbeAsync(blender, cancellationToken).ConfigureAwait(false) is { } version
                && BlenderCompatibility.Judge(name, saved, "this computer", version) is (BlendCompatibility.Refuse, var sentence))
            {
                throw new UserFacingException(sentence, failure);
            }

            throw;
        }

        if (saved is null)
        {
            return report;
        }

        var (verdict, said) = BlenderCompatibility.Judge(name, saved, "this computer", report.Scene.BlenderVersion);
        if (verdict == BlendCompatibility.Refuse)
        {
            throw new UserFacingException(said);
        }

        if (verdict == BlendCompatibility.Warn)
        {
            Log.Warning(logger, said);
        }

        return report with { Scene = report.Scene with { FileBlenderVersion = saved.ToString() } };
    }

    /// <summary>The hosts whose Blender can read the file; each other host is named in a warning, and none left refuses the job.</summary>
    public static IReadOnlyList<SshWorkerHost> HostsThatCanRead(IReadOnlyList<SshWorkerHost> hosts, string blendFile, string? savedVersion, ILogger logger)
    {
        if (BlenderRelease.Parse(savedVersion) is not { } saved)
        {
            return hosts;
        }

        var name = Path.GetFileName(blendFile);
        var kept = new List<SshWorkerHost>();
        var refusals = new List<string>();
        foreach (var host in hosts)
        {
            var (verdict, sentence) = BlenderCompatibility.Judge(name, saved, $"host {host.Host.Name}", host.Facts.BlenderVersion);
            if (verdict == BlendCompatibility.Refuse)
            {
                refusals.Add(sentence);
                continue;
            }

            if (verdict == BlendCompatibility.Warn)
            {
                Log.Warning(logger, sentence);
            }

            kept.Add(host);
        }

        if (kept.Count == 0 && refusals.Count > 0)
        {
            throw new UserFacingException(refusals[0] + (refusals.Count > 1 ? $" ({refusals.Count - 1} more host(s) refused alike)" : ""));
        }

        foreach (var refusal in refusals)
        {
            Log.Warning(logger, refusal[..^1] + "; the job renders without it.");
        }

        return kept;
    }
}
