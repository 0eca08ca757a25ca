using BlenderFarm.Blender.Discovery;
using BlenderFarm.Blender.Scripts;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Local;

namespace BlenderFarm.Integration.Tests.Versions;

/// <summary>
/// The version matrix: the same user-visible behaviour on every Blender release installed (3.4 by default, 4.3 and 5.2
/// from tools/blender-chroot.sh). Each scene is made by the Blender that renders it.
/// </summary>
[Category("Blender")]
[Category("Versions")]
public sealed class BlenderVersionTests
{
    [TestCaseSource(typeof(Blenders), nameof(Blenders.All))]
    public async Task A_movie_output_scene_is_inspected_as_PNG_frames(string blender)
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("movie.blend"), new { format = "FFMPEG" }, blender);

        var report = await SceneInspector.InspectAsync(blender, scene, workspace.PathOf("scripts"), CancellationToken.None);

        Assert.That(report.IsMovieOutput, Is.True);
        Assert.That(report.OriginalFileFormat, Is.EqualTo("FFMPEG"));
        Assert.That((report.Scene.FileFormat, report.Scene.FileExtension), Is.EqualTo(("PNG", ".png")));
        Assert.That(report.Scene.BlenderVersion, Does.StartWith(VersionOf(blender)));
    }

    [TestCaseSource(typeof(Blenders), nameof(Blenders.All))]
    public async Task A_local_slot_renders_a_movie_scene_as_PNG_frames_and_reports_live_samples(string blender)
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("movie.blend"), new { format = "FFMPEG", end = 2, samples = 4 }, blender);
        var options = new LocalSlotOptions(blender, scene, ScriptFiles.Materialize(ScriptFiles.Worker, workspace.PathOf("scripts")),
            workspace.PathOf("slots"), Threads: 1, FileFormatOverride: "PNG");
        var events = new List<SlotEvent>();

        await using (var slot = new LocalSlot("local-1", options))
        {
            await foreach (var slotEvent in slot.RenderAsync([new FrameOrder(1, "frame_0001.png"), new FrameOrder(2, "frame_0002.png")], CancellationToken.None))
            {
                events.Add(slotEvent);
            }
        }

        Assert.That(events.OfType<FrameError>(), Is.Empty);
        Assert.That(events.OfType<FrameSample>().Where(s => s.Sample == s.Samples && s.Samples == 4).Select(s => s.Frame).Distinct(), Is.EqualTo(new[] { 1, 2 }),
            "each frame's samples were seen live");
        var written = events.OfType<FrameWritten>().Select(w => w.WorkerPath).ToList();
        Assert.That(written.Select(Path.GetFileName), Is.EqualTo(new[] { "frame_0001.png", "frame_0002.png" }));
        var decoded = await Support.Blender.DecodeAsync(written);
        Assert.That(written.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 64 && d.Height == 48));
    }

    [TestCaseSource(nameof(BlendersAndEngines))]
    public async Task Renders_on_two_local_slots_with_every_frame_verified(string blender, string engine)
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "shot.blend"), new { engine, end = 2, width = 32, height = 24 }, blender);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "local:2", "--output", output, "--blender", blender);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain("completed: 2/2 frames"));
        var expected = new[] { 1, 2 }.Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        var decoded = await Support.Blender.DecodeAsync(expected);
        Assert.That(expected.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 32 && d.Height == 24 && d.Mean > 0));
    }

    [TestCaseSource(typeof(Blenders), nameof(Blenders.All))]
    public async Task Bench_runs_end_to_end_and_reports_every_frames_time(string blender)
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("bench.blend"), new { end = 2, width = 32, height = 24 }, blender);
        var work = workspace.PathOf("bench");

        var result = await workspace.Cli.RunAsync("bench", scene, "--frames", "1-2", "--slots", "2", "--blender", blender, "--output", work);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain("Benchmark: bench.blend, 2 frames, 2 slots"));
        var sum = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"ideal: sum of frame times \((?<s>[0-9.]+) s\)");
        Assert.That(sum.Success && double.Parse(sum.Groups["s"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, Is.True,
            "one blender -a's frame times were read from this version's log: " + result.Stdout);
        var frames = new[] { "single", "placeholder", "farm" }
            .SelectMany(run => new[] { 1, 2 }.Select(f => Path.Combine(work, run, $"frame_{f:0000}.png"))).ToList();
        var decoded = await Support.Blender.DecodeAsync(frames);
        Assert.That(frames.Select(p => decoded.TryGetValue(p, out var d) && d.Ok && d.Width == 32 && d.Height == 24), Has.All.True,
            "each of the three runs wrote both frames: " + string.Join(", ", Directory.GetFiles(work, "*", SearchOption.AllDirectories)));
    }

    private static IEnumerable<TestCaseData> BlendersAndEngines() =>
        Blenders.Executables().SelectMany(path => new[] { "CYCLES", "EEVEE" }.Select(engine =>
            new TestCaseData(path, engine).SetArgDisplayNames(Path.GetFileName(path), engine)));

    private static string VersionOf(string blender) =>
        Path.GetFileName(blender) is var name && name.StartsWith("blender-", StringComparison.Ordinal) ? name["blender-".Length..] : "";
}
