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
            .MaxBy(b => BlenderFarm.Blender.Discovery.BlenderRelease.Parse(Path.GetFileName(b)["blender-".Length..]));

    /// <summary>One test case per Blender, named after it (blender, blender-4.3, blender-5.2).</summary>
    public static IEnumerable<TestCaseData> All() =>
        Executables().Select(path => new TestCaseData(path).SetArgDisplayNames(Path.GetFileName(path)));
}
