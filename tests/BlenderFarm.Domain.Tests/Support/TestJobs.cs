using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Domain.Tests.Support;

/// <summary>Job specs for tests: a small PNG scene, frames and chunk policy as each test needs.</summary>
internal static class TestJobs
{
    public static readonly DateTimeOffset CreatedAt = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    public static SceneInfo Scene(string stem = "frame_", string extension = ".png") =>
        new("Scene", 1, 250, 1, 64, 48, "PNG", extension, stem, "CYCLES", "4.2.3");

    public static JobSpec Spec(
        IReadOnlyList<int> frames,
        ChunkPolicy? chunk = null,
        string outputDirectory = "/renders/shot010",
        string jobId = "20250314-090000-ab12") =>
        new(jobId, "/projects/shot010.blend", outputDirectory, frames, Scene(), chunk ?? new ChunkPolicy(1), "local:2", "/usr/bin/blender", CreatedAt);

    public static IReadOnlyList<int> Frames(int first, int last) => [.. Enumerable.Range(first, last - first + 1)];
}
