using System.Text.Json;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Real Blender for tests: builds scenes with it and decodes frames with its own image loader.</summary>
internal static class Blender
{
    private static readonly string SupportFolder = Path.Combine(TestContext.CurrentContext.TestDirectory, "Support");

    public static string Executable => BlenderLocator.Find(null);

    /// <summary>Builds a scene with make_test_scene.py, with the given Blender or the default one; options are JSON keys of that script.</summary>
    public static async Task<string> MakeSceneAsync(string path, object options, string? blender = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var (code, output) = await ProcessRunner.RunAsync(blender ?? Executable,
            ["-b", "--factory-startup", "--python-exit-code", "1", "--python", Path.Combine(SupportFolder, "make_test_scene.py"), "--", path, JsonSerializer.Serialize(options)],
            TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.That(code, Is.Zero, "Blender could not build the test scene: " + output);
        return path;
    }

    /// <summary>Decodes every file with Blender and returns what it found, by path.</summary>
    public static async Task<IReadOnlyDictionary<string, DecodedFrame>> DecodeAsync(IReadOnlyCollection<string> paths)
    {
        var (code, output) = await ProcessRunner.RunAsync(Executable,
            ["-b", "--factory-startup", "--python-exit-code", "1", "--python", Path.Combine(SupportFolder, "decode_frames.py"), "--", .. paths],
            TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.That(code, Is.Zero, "Blender could not run the decoder: " + output);
        var decoded = new Dictionary<string, DecodedFrame>();
        foreach (var line in output.Split('\n').Where(l => l.StartsWith("DECODED ", StringComparison.Ordinal)))
        {
            var frame = JsonSerializer.Deserialize<DecodedFrame>(line["DECODED ".Length..], JsonOptions)!;
            decoded[frame.Path] = frame;
        }

        return decoded;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
}

internal sealed record DecodedFrame(string Path, bool Ok, int Width, int Height, double Mean, string? Error);
