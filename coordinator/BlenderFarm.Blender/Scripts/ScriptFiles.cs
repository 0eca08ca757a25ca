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

    /// <summary>The add-on's remapper (addon/blender_farm/remap_job.py), which imports <see cref="ScanDeps"/> and <see cref="JobLayout"/> from its own folder.</summary>
    public const string RemapJob = "remap_job.py";

    public static string ReadText(string name)
    {
        using var stream = typeof(ScriptFiles).Assembly.GetManifestResourceStream("BlenderFarm.Blender.Scripts." + name)
            ?? throw new InvalidOperationException($"The script {name} is missing from this build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Writes the script under <paramref name="folder"/>, in a sub-folder named by its content hash, and returns its
    /// path. A file already there is used only when its content is exactly this build's script; otherwise it is
    /// replaced atomically (written to a private temporary file, then renamed over it).
    /// </summary>
    public static string Materialize(string name, string folder)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(ReadText(name));
        var path = Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(bytes))[..16], name);
        Write(path, bytes);
        return path;
    }

    /// <summary>
    /// Writes several scripts into one folder (named by the hash of them all), for a script that imports the others
    /// from its own folder, and returns the folder. Each file is checked and written like <see cref="Materialize"/>.
    /// </summary>
    public static string MaterializeTogether(string folder, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var contents = names.Select(n => System.Text.Encoding.UTF8.GetBytes(ReadText(n))).ToList();
        var hash = Convert.ToHexStringLower(SHA256.HashData([.. contents.SelectMany(SHA256.HashData)]));
        var together = Path.Combine(folder, hash[..16]);
        for (var i = 0; i < names.Length; i++)
        {
            Write(Path.Combine(together, names[i]), contents[i]);
        }

        return together;
    }

    private static void Write(string path, byte[] bytes)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (File.Exists(path) && Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) == hash)
        {
            return;
        }

        var name = Path.GetFileName(path);
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temp = Path.Combine(directory, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temp, options))
        {
            file.Write(bytes);
        }

        File.Move(temp, path, overwrite: true);
    }
}
