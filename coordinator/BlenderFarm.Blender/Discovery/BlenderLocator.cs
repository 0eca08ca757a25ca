namespace BlenderFarm.Blender.Discovery;

/// <summary>Finds the Blender executable: the user's choice, then BLENDERFARM_BLENDER, then PATH, then the usual install places.</summary>
public static class BlenderLocator
{
    public const string EnvironmentVariable = "BLENDERFARM_BLENDER";

    public static string Find(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return IsExecutableFile(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new UserFacingException($"Blender was not found at {explicitPath}: pass --blender with the path of the blender executable.");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return IsExecutableFile(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new UserFacingException($"{EnvironmentVariable} points to {fromEnvironment}, which is not a Blender executable.");
        }

        return Candidates().FirstOrDefault(IsExecutableFile)
            ?? throw new UserFacingException(
                "Blender was not found: install it (on Debian/Ubuntu: sudo apt-get install blender; or from blender.org) or pass --blender /path/to/blender.");
    }

    private static IEnumerable<string> Candidates()
    {
        var name = OperatingSystem.IsWindows() ? "blender.exe" : "blender";
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return Path.Combine(folder, name);
        }

        if (OperatingSystem.IsMacOS())
        {
            yield return "/Applications/Blender.app/Contents/MacOS/Blender";
        }
        else if (OperatingSystem.IsWindows())
        {
            var programFiles = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
            var foundation = Path.Combine(programFiles, "Blender Foundation");
            if (Directory.Exists(foundation))
            {
                foreach (var install in Directory.GetDirectories(foundation).OrderDescending(StringComparer.Ordinal))
                {
                    yield return Path.Combine(install, "blender.exe");
                }
            }
        }
        else
        {
            yield return "/usr/bin/blender";
            yield return "/snap/bin/blender";
            yield return "/opt/blender/blender";
        }
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        return OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
