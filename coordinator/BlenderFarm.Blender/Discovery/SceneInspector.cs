using System.Text.Json;
using BlenderFarm.Blender.Scripts;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Blender.Discovery;

/// <summary>Asks Blender itself about a .blend: frame range, output size, format and name, engine, missing files.</summary>
public static class SceneInspector
{
    public static async Task<SceneReport> InspectAsync(string blenderPath, string blendFile, string scriptFolder, CancellationToken cancellationToken)
    {
        var script = ScriptFiles.Materialize(ScriptFiles.InspectScene, scriptFolder);
        var scanner = ScriptFiles.Materialize(ScriptFiles.ScanDeps, scriptFolder);
        var layout = ScriptFiles.Materialize(ScriptFiles.JobLayout, scriptFolder);
        var outFile = Path.Combine(Path.GetTempPath(), $"blenderfarm-inspect-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await ProcessRunner.RunAsync(
                blenderPath,
                ["-b", blendFile, "--factory-startup", "--python-exit-code", "1", "--python", script, "--", outFile, "--scanner", scanner, "--layout", layout],
                TimeSpan.FromMinutes(5),
                cancellationToken).ConfigureAwait(false);
            if (exitCode != 0 || !File.Exists(outFile))
            {
                throw new UserFacingException($"Blender could not open {blendFile}: {BlenderErrorText.Summarize(output).TrimEnd('.')}.");
            }

            return Parse(await File.ReadAllTextAsync(outFile, cancellationToken).ConfigureAwait(false));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserFacingException($"Blender at {blenderPath} could not be started: {e.Message}.", e);
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    internal static SceneReport Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var scene = new SceneInfo(
            root.GetProperty("scene").GetString()!,
            root.GetProperty("frame_start").GetInt32(),
            root.GetProperty("frame_end").GetInt32(),
            root.GetProperty("frame_step").GetInt32(),
            root.GetProperty("width").GetInt32(),
            root.GetProperty("height").GetInt32(),
            root.GetProperty("file_format").GetString()!,
            root.GetProperty("file_extension").GetString()!,
            root.GetProperty("output_stem").GetString()!,
            root.GetProperty("engine").GetString()!,
            root.GetProperty("blender_version").GetString()!);
        var missing = root.GetProperty("missing_files").EnumerateArray()
            .Select(m => new MissingFile(m.GetProperty("kind").GetString()!, m.GetProperty("name").GetString()!, m.GetProperty("path").GetString()!))
            .ToList();
        var dependencies = root.GetProperty("dependencies").EnumerateArray()
            .Select(d => new SceneDependency(
                d.GetProperty("kind").GetString()!, d.GetProperty("name").GetString()!, d.GetProperty("path").GetString()!,
                d.GetProperty("absolute").GetString()!, d.GetProperty("linked").GetBoolean(),
                d.GetProperty("target").GetString()!))
            .ToList();
        return new SceneReport(scene, root.GetProperty("original_file_format").GetString()!, root.GetProperty("has_camera").GetBoolean(), missing, dependencies)
        {
            Refused = [.. root.GetProperty("refused").EnumerateArray().Select(r => r.GetString()!)],
        };
    }
}
