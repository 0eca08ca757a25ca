using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Coordinator.Demo;

/// <summary>The bundled demo scene: built by a script shipped in this assembly, with Blender itself, once per version.</summary>
internal static class DemoScene
{
    private const string Script = "make_demo_scene.py";

    public static async Task<string> EnsureAsync(string blenderPath, string folder, CancellationToken cancellationToken)
    {
        var blend = Path.Combine(folder, "demo.blend");
        if (File.Exists(blend))
        {
            return blend;
        }

        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, Script);
        await using (var resource = typeof(DemoScene).Assembly.GetManifestResourceStream(Script)
            ?? throw new InvalidOperationException("The demo scene script is missing from this build."))
        await using (var file = File.Create(script))
        {
            await resource.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }

        var temp = blend + ".tmp.blend";
        var (exitCode, output) = await ProcessRunner.RunAsync(
            blenderPath, ["-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--", temp],
            TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
        if (exitCode != 0 || !File.Exists(temp))
        {
            throw new UserFacingException($"Blender could not build the demo scene: {output.Trim().Split('\n')[^1]}");
        }

        File.Move(temp, blend, overwrite: true);
        return blend;
    }
}
