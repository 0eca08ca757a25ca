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

    /// <summary>
    /// The panel on every Blender of the version matrix (the default one and each blender-X.Y wrapper that
    /// tools/blender-chroot.sh installed) at three widths: the default layout (about 222 px on a 1280 px screen),
    /// 300 px (the default layout on a 1730 px screen) and maximised (every other area closed).
    /// </summary>
    private static IEnumerable<TestCaseData> BlendersAndWidths()
    {
        string[] wrappers = Directory.Exists("/usr/local/bin") ? [.. Directory.GetFiles("/usr/local/bin", "blender-*.*").Order(StringComparer.Ordinal)] : [];
        string[] blenders = Environment.GetEnvironmentVariable("BLENDERFARM_TEST_BLENDERS") is { Length: > 0 } list
            ? list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [Blender.Discovery.BlenderLocator.Find(null), .. wrappers];
        return blenders.SelectMany(blender => new[] { ("default", 1280), ("300", 1730), ("max", 1280) }.Select(width =>
            new TestCaseData(blender, width.Item1, width.Item2).SetArgDisplayNames(Path.GetFileName(blender), width.Item1)));
    }

    [TestCaseSource(nameof(BlendersAndWidths))]
    public async Task Under_Xvfb_no_label_of_the_panel_is_cut_at_start_with_the_AWS_estimate_mid_job_with_a_queue_end_or_with_an_error(string blender, string name, int screenWidth)
    {
        var xvfb = await Repo.RunAsync("sh", ["-c", "command -v xvfb-run && command -v import"]);
        Assert.That(xvfb.Code, Is.Zero, "xvfb-run or ImageMagick's import is missing: ./build.sh deps installs xvfb, xauth, libgl1-mesa-dri and imagemagick");
        var shots = Path.Combine(Repo.TestOutput, "panel");
        Directory.CreateDirectory(shots);
        var requests = Repo.NewTempFolder("captures");
        var resultPath = Path.Combine(_work, $"widths-{Path.GetFileName(blender)}-{name}.json");
        // A saved file, made by this Blender, and saved preferences: the AWS estimate is for the file on disk, and
        // with a file to open and preferences present Blender shows neither its splash nor its first-run Quick Setup
        // (either would cover the maximised editor).
        var blend = Path.Combine(_work, $"shot-{Path.GetFileName(blender)}-{name}.blend");
        var environment = new Dictionary<string, string>
        {
            ["BLENDERFARM_HOME"] = Path.Combine(_work, "home"),
            ["BLENDER_USER_CONFIG"] = Path.Combine(_work, $"config-{Path.GetFileName(blender)}-{name}"),
        };
        var saved = await Repo.RunAsync(blender, ["-b", "--factory-startup", "--python-expr",
            "import bpy, sys; bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1]); bpy.ops.wm.save_userpref()", "--", blend], environment);
        Assert.That(File.Exists(blend), Is.True, saved.Output);
        var (code, output) = await Repo.RunAsync("xvfb-run",
            ["-a", "-s", $"-screen 0 {screenWidth}x2000x24", "sh", Path.Combine(Repo.BlenderScripts, "xcapture.sh"), requests,
             blender, "--factory-startup", blend, "--python-exit-code", "1", "--python", Path.Combine(Repo.BlenderScripts, "panel_widths_test.py"), "--",
             Path.Combine(Repo.Root, "addon", "blender_farm"), shots, resultPath, name, requests],
            environment, timeoutSeconds: 400);
        Directory.Delete(requests, recursive: true);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender under Xvfb (exit {code}) wrote no result:\n{output}");
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
        Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors").ToString());
        var width = result.GetProperty("default_width").GetInt32();
        var windowWidth = result.GetProperty("window")[0].GetInt32();
        Assert.Multiple(() =>
        {
            Assert.That(width, name switch
            {
                "default" => Is.InRange(215, 230),
                "300" => Is.InRange(295, 310),
                _ => Is.EqualTo(windowWidth),
            }, "the Properties editor's width");
            Assert.That(result.GetProperty("shots").GetArrayLength(), Is.EqualTo(5), "start, AWS estimate, mid-job, end, error");
            Assert.That(result.GetProperty("canary_caught").GetBoolean(), Is.True, "the cut check catches a label one letter too wide");
            Assert.That(result.GetProperty("cut").GetArrayLength(), Is.Zero, "labels wider than the panel: " + result.GetProperty("cut"));
            Assert.That(result.GetProperty("texts_seen").EnumerateArray().Select(t => t.GetString()),
                Has.Some.Contains("Estimate: ").And.Some.Contains("/h each"), "the AWS estimate is drawn before the first click");
            Assert.That(result.GetProperty("texts_seen").EnumerateArray().Select(t => t.GetString()),
                Has.Some.Contains("3 jobs on 2 slots").And.Some.Contains("Rendering, priority 5").And.Some.Contains("Paused, priority -2")
                    .And.Some.Contains("No farm is running"), "the Farm Queue sub-panel lists the farm's jobs mid-job, and says when no farm runs");
        });
        foreach (var shot in result.GetProperty("shots").EnumerateArray())
        {
            var path = shot.GetProperty("path").GetString()!;
            var mean = await Repo.RunAsync("convert", [path, "-colorspace", "Gray", "-format", "%[fx:mean]", "info:"]);
            Assert.That(double.Parse(mean.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0.05),
                $"{path} is not black (Blender 4.3/5.2's own screenshot is, under Xvfb)");
            TestContext.AddTestAttachment(path, shot.GetProperty("shot").GetString());
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
    public void The_status_lists_each_SSH_host_with_its_Blender_version_for_the_details_panel()
    {
        var lines = _result.GetProperty("host_lines").EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.That(lines, Is.EqualTo(new[] { "render@gpu1: Blender 4.3.2, 2 slots", "render@gpu2:2222: Blender 5.2.2, 1 slot" }));
    }

    [Test]
    public void While_an_AWS_job_is_submitted_the_panel_shows_its_S3_upload_as_a_bar_with_bytes_rate_and_eta()
    {
        var drawn = _result.GetProperty("upload_drawn").EnumerateArray().Select(d => string.Join(" | ", d.EnumerateArray().Select(v => v.ToString()))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(drawn, Is.EqualTo(new[]
            {
                "label | Uploading job files... | EXPORT",
                "progress | 12.0 MB of 48.0 MB, 4.0 MB/s, ETA 0:09 | 0.25",
                "label | 3 files (4.8 MB) already in S3 | CHECKMARK",
            }));
            Assert.That(_result.GetProperty("upload_after_start").GetString(), Is.Empty, "once the job runs its frames' bar takes over");
        });
    }

    [Test]
    public void A_job_waiting_paused_in_the_farm_queue_shows_its_place_there_and_leaves_resuming_to_the_queue()
    {
        var drawn = _result.GetProperty("queued_job_drawn").EnumerateArray().Select(d => string.Join(" ", d.EnumerateArray().Select(v => v.ToString()))).ToList();
        Assert.That(drawn.First(), Is.EqualTo("label Paused, priority 2"), "not the journal's 'Interrupted'");
        Assert.That(drawn, Has.None.Contains("blender_farm.resume"), "the Farm Queue sub-panel's resume keeps the queue's order");
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
