namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Test scenes, built once per test run with real Blender and shared read-only by the tests.</summary>
internal static class Scenes
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "bf-test-scenes-" + Environment.ProcessId);
    private static readonly Lazy<Task<string>> TinyScene = new(() => Blender.MakeSceneAsync(Path.Combine(Folder, "tiny", "tiny.blend"),
        new { start = 1, end = 12, width = 64, height = 48, samples = 4 }));

    // About half a second to a second per frame on one thread: slow enough to kill things mid-frame.
    private static readonly Lazy<Task<string>> SlowScene = new(() => Blender.MakeSceneAsync(Path.Combine(Folder, "slow", "slow.blend"),
        new { start = 1, end = 16, width = 160, height = 120, samples = 96 }));

    /// <summary>12 frames, 64x48 PNG, 4 samples: fast.</summary>
    public static Task<string> Tiny => TinyScene.Value;

    /// <summary>16 frames, 160x120 PNG, 96 samples.</summary>
    public static Task<string> Slow => SlowScene.Value;

    /// <summary>A private copy of a scene inside a test's workspace, so outputs next to it stay the test's own.</summary>
    public static async Task<string> CopyAsync(Task<string> scene, Workspace workspace, string folderName = "scene")
    {
        var source = await scene;
        var target = workspace.PathOf(folderName, Path.GetFileName(source));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        return target;
    }
}
