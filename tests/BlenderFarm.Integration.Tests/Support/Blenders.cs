using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>
/// The Blender releases the version matrix runs against: the default Blender (BlenderLocator) and every
/// blender-MAJOR.MINOR wrapper that tools/blender-chroot.sh put in /usr/local/bin (or the colon-separated list in
/// BLENDERFARM_TEST_BLENDERS). A release that is not there is simply not in the matrix.
/// </summary>
internal static class Blenders
{
    private const string WrapperFolder = "/usr/local/bin";

    public static IEnumerable<string> Executables()
    {
        if (Environment.GetEnvironmentVariable("BLENDERFARM_TEST_BLENDERS") is { Length: > 0 } list)
        {
            return list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        }

        var wrappers = Directory.Exists(WrapperFolder)
            ? Directory.GetFiles(WrapperFolder, "blender-*.*").Order(StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return [Blender.Executable, .. wrappers];
    }

    /// <summary>The newest blender-X.Y wrapper of the matrix (a 4.x or 5.x Blender), or null when there is none.</summary>
    public static string? NewestWrapper() =>
        Executables().Where(b => Path.GetFileName(b).StartsWith("blender-", StringComparison.Ordinal))
            .MaxBy(b => BlenderRelease.Parse(Path.GetFileName(b)["blender-".Length..]));

    /// <summary>The oldest wrapper of the matrix that is <paramref name="major"/>.<paramref name="minor"/> or newer, or null.</summary>
    public static string? AtLeast(int major, int minor) =>
        Executables().Select(path => (Path: path, Release: BlenderRelease.Parse(Path.GetFileName(path).Replace("blender-", "", StringComparison.Ordinal))))
            .Where(b => b.Release is not null && b.Release.CompareTo(new BlenderRelease(major, minor)) >= 0)
            .MinBy(b => b.Release).Path;

    /// <summary>The chroot folder of a tools/blender-chroot.sh wrapper (its <c>root='...'</c> line), or null for another Blender.</summary>
    public static string? ChrootOf(string wrapper)
    {
        if (!File.Exists(wrapper) || new FileInfo(wrapper).Length > 64 * 1024)
        {
            return null;
        }

        var line = File.ReadLines(wrapper).FirstOrDefault(l => l.StartsWith("root='", StringComparison.Ordinal));
        return line?["root='".Length..^1];
    }

    /// <summary>One test case per Blender, named after it (blender, blender-4.3, blender-5.2).</summary>
    public static IEnumerable<TestCaseData> All() =>
        Executables().Select(path => new TestCaseData(path).SetArgDisplayNames(Path.GetFileName(path)));
}
