using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Storage;

/// <summary>
/// Where this user's jobs live on disk: <c>BLENDERFARM_HOME</c>, else the user's local application data folder
/// (<c>~/.local/share/blenderfarm</c> on Linux, <c>BlenderFarm</c> on Windows and macOS). Read once by the host.
/// </summary>
public static class StorageHome
{
    public const string Variable = "BLENDERFARM_HOME";

    /// <summary>The full path of this user's BlenderFarm home (not created here).</summary>
    public static string ForCurrentUser()
    {
        var home = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(home))
        {
            var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
            home = Path.Combine(data, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? "BlenderFarm" : "blenderfarm");
        }

        return Path.GetFullPath(home);
    }

    /// <summary>This user's job store.</summary>
    public static JobStore JobStoreForCurrentUser() => new(ForCurrentUser());
}
