using System.Text.Json;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Addon;

/// <summary>
/// The panel's behaviours that need real Blender (tests/addon/blender/panel_test.py, background, add-on from its
/// source folder, no coordinator): what the artist can press while a job runs, the latest frame as an image, the end
/// report and the words used for missing files.
/// </summary>
[NonParallelizable]
public sealed class PanelInBlenderTests
{
    private string _work = "";
    private string _output = "";
    private JsonElement _result;

    [OneTimeSetUp]
    public async Task RunPanelScript()
    {
        _work = Repo.NewTempFolder("panel");
        var resultPath = Path.Combine(_work, "result.json");
        (var code, _output) = await Repo.RunAsync(Blender.Discovery.BlenderLocator.Find(null),
            ["-b", "--factory-startup", "--python", Path.Combine(Repo.BlenderScripts, "panel_test.py"), "--",
             Path.Combine(Repo.Root, "addon", "blender_farm"), Path.Combine(_work, "frame.png"), resultPath],
            new Dictionary<string, string> { ["BLENDERFARM_HOME"] = Path.Combine(_work, "home") }, timeoutSeconds: 120);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender (exit {code}) wrote no result:\n{_output}");
        _result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
        Assert.That(_result.GetProperty("errors").GetArrayLength(), Is.Zero, _result.GetProperty("errors").ToString() + "\n" + _output);
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_work.Length > 0 && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [TestCase("default", 1280, 222)]
    [TestCase("300", 1730, 300)]
    [TestCase("wide", 3000, 521)]
    public async Task Under_Xvfb_no_label_of_the_panel_is_cut_at_start_mid_job_end_or_with_an_error(string name, int screenWidth, int areaWidth)
    {
        var xvfb = await Repo.RunAsync("sh", ["-c", "command -v xvfb-run"]);
        Assert.That(xvfb.Code, Is.Zero, "xvfb-run is missing: ./build.sh deps installs xvfb, xauth and libgl1-mesa-dri");
        var shots = Path.Combine(Repo.TestOutput, "panel");
        Directory.CreateDirectory(shots);
        var resultPath = Path.Combine(_work, $"widths-{name}.json");
        var (code, output) = await Repo.RunAsync("xvfb-run",
            ["-a", "-s", $"-screen 0 {screenWidth}x2000x24", Blender.Discovery.BlenderLocator.Find(null), "--factory-startup",
             "--python", Path.Combine(Repo.BlenderScripts, "panel_widths_test.py"), "--",
             Path.Combine(Repo.Root, "addon", "blender_farm"), shots, resultPath, name],
            new Dictionary<string, string> { ["BLENDERFARM_HOME"] = Path.Combine(_work, "home") }, timeoutSeconds: 180);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender under Xvfb (exit {code}) wrote no result:\n{output}");
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
        Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors").ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.GetProperty("default_width").GetInt32(), Is.EqualTo(areaWidth), "the Properties editor's width");
            Assert.That(result.GetProperty("shots").GetArrayLength(), Is.EqualTo(4), "start, mid-job, end, error");
            Assert.That(result.GetProperty("cut").GetArrayLength(), Is.Zero, "labels wider than the panel: " + result.GetProperty("cut"));
        });
        foreach (var shot in result.GetProperty("shots").EnumerateArray())
        {
            TestContext.AddTestAttachment(shot.GetProperty("path").GetString()!, shot.GetProperty("shot").GetString());
        }
    }

    [Test]
    public void Render_is_greyed_out_while_this_scenes_job_runs_and_cancel_is_offered()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_result.GetProperty("render_enabled_while_running").GetBoolean(), Is.False);
            Assert.That(_result.GetProperty("cancel_enabled_while_running").GetBoolean(), Is.True);
            Assert.That(_result.GetProperty("render_enabled_after").GetBoolean(), Is.True);
        });
    }

    [Test]
    public void The_status_bar_shows_frames_done_while_the_job_runs() =>
        Assert.That(_result.GetProperty("status_bar").GetString(), Is.EqualTo("BlenderFarm: 4 / 40 frames, ETA 1m20s"));

    [Test]
    public void The_latest_frame_is_one_image_datablock_that_follows_new_frames()
    {
        var first = _result.GetProperty("latest_image");
        var next = _result.GetProperty("latest_after_next_frame");
        Assert.Multiple(() =>
        {
            Assert.That(first.GetProperty("name").GetString(), Is.EqualTo("BlenderFarm Latest Frame"));
            Assert.That(first.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()), Is.EqualTo(new[] { 8, 4 }));
            Assert.That(next.GetProperty("path").GetString(), Does.EndWith("second.png"));
            Assert.That(next.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()), Is.EqualTo(new[] { 16, 4 }));
            Assert.That(next.GetProperty("count").GetInt32(), Is.EqualTo(1), "refreshed in place, not one image per frame");
        });
    }

    [Test]
    public void A_failed_job_is_reported_and_keeps_its_last_rate()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_output, Does.Contain("Warning: Frame 9 failed twice."), "the report Blender prints for the Info log");
            Assert.That(_result.GetProperty("rate_kept").GetString(), Is.EqualTo("208.4 frames/min"));
        });
    }

    [Test]
    public void Missing_files_are_explained_in_the_panels_words_with_a_cancel_button()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_result.GetProperty("missing_sentence").GetString(), Does.Not.Contain("--allow-missing").And.Contain("Render Anyway"));
            Assert.That(_result.GetProperty("dismiss_registered").GetBoolean(), Is.True);
        });
    }
}
