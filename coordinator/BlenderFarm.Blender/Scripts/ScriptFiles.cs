using System.Security.Cryptography;

namespace BlenderFarm.Blender.Scripts;

/// <summary>The Python scripts BlenderFarm runs inside Blender, shipped inside this assembly and written out on demand.</summary>
public static class ScriptFiles
{
    public const string Worker = "worker.py";
    public const string InspectScene = "inspect_scene.py";

    /// <summary>The add-on's dependency scanner (addon/blender_farm/scan_deps.py), loaded by <see cref="InspectScene"/>.</summary>
    public const string ScanDeps = "scan_deps.py";

    /// <summary>The add-on's job-folder layout rule and packing limits (addon/blender_farm/job_layout.py), loaded by <see cref="InspectScene"/>.</summary>
    public const string JobLayout = "job_layout.py";

    public static string ReadText(string name)
    {
        using var stream = typeof(ScriptFiles).Assembly.GetManifestResourceStream("BlenderFarm.Blender.Scripts." + name)
            ?? throw new InvalidOperationException($"The script {name} is missing from this build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Writes the script under <paramref name="folder"/>, in a sub-folder named by its content hash, and returns its path.</summary>
    public static string Materialize(string name, string folder)
    {
        var text = ReadText(name);
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
        var path = Path.Combine(folder, hash, name);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }

        return path;
    }
}
