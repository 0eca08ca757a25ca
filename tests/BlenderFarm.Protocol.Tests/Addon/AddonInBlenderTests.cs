using System.Text.Json;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Addon;

/// <summary>
/// The installable linux-x64 zip in real Blender: installed with bpy.ops.preferences.addon_install, submitting through
/// the add-on's own operator to its bundled coordinator (tests/addon/blender/submit_test.py does the Blender side
/// once; each test checks one thing a user would).
/// </summary>
[NonParallelizable]
public sealed class AddonInBlenderTests
{
    private string _work = "";
    private string _home = "";
    private string _zip = "";
    private string _scenes = "";
    private JsonElement _result;

    [OneTimeSetUp]
    public async Task PackageInstallAndSubmit()
    {
        Assume.That(OperatingSystem.IsLinux(), Is.True, "the tests install the linux-x64 zip");
        _work = Repo.NewTempFolder("addon");
        _home = Path.Combine(_work, "home");
        _zip = await PackageAsync(_work);
        _scenes = await Repo.MakeScenesAsync();
        var resultPath = Path.Combine(_work, "result.json");
        var (code, output) = await Repo.RunAsync(Blender.Discovery.BlenderLocator.Find(null),
            ["-b", "--factory-startup", "--python", Path.Combine(Repo.BlenderScripts, "submit_test.py"), "--", _zip, _scenes, resultPath],
            BlenderEnvironment(_work, _home), timeoutSeconds: 400);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender (exit {code}) wrote no result:\n{output}");
        _result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
        Assert.That(_result.GetProperty("errors").GetArrayLength(), Is.Zero, _result.GetProperty("errors").ToString() + "\n" + output);
    }

    [OneTimeTearDown]
    public void StopCoordinatorAndClean()
    {
        if (_home.Length > 0)
        {
            Repo.StopServer(_home);
        }

        foreach (var folder in new[] { _work, _scenes }.Where(f => f.Length > 0 && Directory.Exists(f)))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Blender 4.2+ from tools/blender-chroot.sh (blender-4.3, blender-5.2); build.sh test makes them, CI requires them.</summary>
    public static IEnumerable<TestCaseData> ExtensionBlenders()
    {
        var wrappers = Directory.Exists("/usr/local/bin")
            ? Directory.GetFiles("/usr/local/bin", "blender-*.*").Order(StringComparer.Ordinal).ToList()
            : [];
        return wrappers.Count > 0
            ? wrappers.Select(w => new TestCaseData(w).SetArgDisplayNames(Path.GetFileName(w)))
            : [new TestCaseData("").SetArgDisplayNames("none").Ignore("no Blender 4.2+ wrapper here (tools/blender-chroot.sh makes them)")];
    }

    [TestCaseSource(nameof(ExtensionBlenders))]
    public async Task The_zip_validates_installs_and_registers_as_an_extension(string blender)
    {
        var (validated, said) = await Repo.RunAsync(blender, ["-c", "extension", "validate", _zip]);
        Assert.That(validated, Is.Zero, said);
        Assert.That(said, Does.Contain("Success parsing TOML"), "Blender's own manifest check");

        var resources = Path.Combine(_work, "extension-" + Path.GetFileName(blender));
        var environment = new Dictionary<string, string> { ["BLENDER_USER_RESOURCES"] = resources, ["BLENDERFARM_HOME"] = _home };
        var (installed, output) = await Repo.RunAsync(blender, ["-b", "--factory-startup", "-c", "extension", "install-file", "-r", "user_default", "-e", _zip], environment);
        Assert.That(installed, Is.Zero, output);

        var resultPath = Path.Combine(resources, "result.json");
        var (code, checkOutput) = await Repo.RunAsync(blender, ["-b", "--python", Path.Combine(Repo.BlenderScripts, "extension_check.py"), "--", resultPath], environment);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender (exit {code}) wrote no result:\n{checkOutput}");
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement;
        Assert.That(result.GetProperty("enabled").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "bl_ext.user_default.blender_farm" }));
        Assert.That(result.GetProperty("render_operator").GetBoolean(), Is.True);
        Assert.That(result.GetProperty("panels").GetArrayLength(), Is.GreaterThan(0));
    }

    [Test]
    public void The_zip_installs_into_blenders_addons_folder_with_the_coordinator_inside()
    {
        Assert.That(_result.GetProperty("addon_file").GetString(), Does.StartWith(Path.Combine(_work, "scripts", "addons", "blender_farm")));
        Assert.That(File.Exists(Path.Combine(_work, "scripts", "addons", "blender_farm", "coordinator", "blenderfarm")), Is.True);
    }

    [Test]
    public void Every_frame_of_the_scene_is_rendered_and_the_job_completes()
    {
        var status = _result.GetProperty("status");
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("phase").GetString(), Is.EqualTo("completed"));
            Assert.That(status.GetProperty("done").GetInt32(), Is.EqualTo(4));
            Assert.That(_result.GetProperty("frames").EnumerateArray().Select(f => f.GetString()),
                Is.EqualTo(new[] { "shot_0001.png", "shot_0002.png", "shot_0003.png", "shot_0004.png" }));
            Assert.That(status.GetProperty("outputFolder").GetString(), Is.EqualTo(Path.Combine(_scenes, "shot-frames")), "NAME-frames next to the user's NAME.blend");
        });
    }

    [Test]
    public void The_texture_is_visible_in_the_frames()
    {
        Assert.That(_result.GetProperty("mean_abs_difference").GetDouble(), Is.GreaterThan(0.1), "frames differ from the same scene without its texture");
        Assert.That(_result.GetProperty("texture_pixels").GetProperty("red").GetInt32(), Is.GreaterThan(200), "the checker's red squares");
        Assert.That(_result.GetProperty("texture_pixels").GetProperty("blue").GetInt32(), Is.GreaterThan(200), "the checker's blue squares");
    }

    [Test]
    public void The_job_folder_holds_the_blend_copy_its_texture_and_its_linked_library()
    {
        Assert.That(_result.GetProperty("job_files").EnumerateArray().Select(f => f.GetString()),
            Is.EquivalentTo(new[] { "shot.blend", "textures/checker.png", "libs/props.blend" }));
        Assert.That(_result.GetProperty("job_folder").GetString(), Does.StartWith(Path.Combine(_home, "packs")));
    }

    [Test]
    public void The_users_open_file_and_its_paths_are_not_changed()
    {
        Assert.That(_result.GetProperty("user_state_unchanged").GetBoolean(), Is.True,
            $"before {_result.GetProperty("user_state_before")} after {_result.GetProperty("user_state_after")}");
        Assert.That(_result.GetProperty("user_file_unchanged").GetBoolean(), Is.True, "the .blend on disk keeps its bytes and time");
    }

    [Test]
    public void The_panel_status_shows_the_finished_job_and_its_last_frame()
    {
        var panel = _result.GetProperty("panel");
        Assert.Multiple(() =>
        {
            Assert.That(panel.GetProperty("phase").GetString(), Is.EqualTo("completed"));
            Assert.That(panel.GetProperty("done").GetInt32(), Is.EqualTo(4));
            Assert.That(panel.GetProperty("total").GetInt32(), Is.EqualTo(4));
            Assert.That(panel.GetProperty("message").GetString(), Does.Contain("completed: 4/4 frames"));
            Assert.That(File.Exists(panel.GetProperty("last_frame_path").GetString()), Is.True, "the preview's file exists");
            Assert.That(panel.GetProperty("error").GetString(), Is.Empty);
        });
    }

    [Test]
    public void A_missing_texture_is_reported_by_file_and_image_name_and_nothing_is_submitted()
    {
        Assert.That(_result.GetProperty("missing_message").GetString(), Does.Contain("gone.png (image 'GoneTexture', looked for at "));
        Assert.That(_result.GetProperty("missing_panel").GetString(), Does.Contain("gone.png"));
        Assert.That(Directory.GetDirectories(Path.Combine(_home, "jobs")), Has.Length.EqualTo(1), "only the first scene's job exists");
    }

    [Test]
    public async Task Under_Xvfb_the_render_properties_panel_shows_a_running_job_with_its_progress_bar()
    {
        var xvfb = await Repo.RunAsync("sh", ["-c", "command -v xvfb-run"]);
        Assert.That(xvfb.Code, Is.Zero, "xvfb-run is missing: ./build.sh deps installs xvfb, xauth and libgl1-mesa-dri");
        var work = Path.Combine(_work, "ui");
        Directory.CreateDirectory(work);
        var home = Path.Combine(work, "home");
        Directory.CreateDirectory(Repo.TestOutput);
        var screenshot = Path.Combine(Repo.TestOutput, "render-properties-panel.png");
        File.Delete(screenshot);
        var resultPath = Path.Combine(work, "result.json");
        try
        {
            var (code, output) = await Repo.RunAsync("xvfb-run",
                ["-a", "-s", "-screen 0 1280x900x24", Blender.Discovery.BlenderLocator.Find(null), "--factory-startup", Path.Combine(_scenes, "shot.blend"),
                 "--python-exit-code", "1", "--python", Path.Combine(Repo.BlenderScripts, "screenshot_test.py"), "--", _zip, screenshot, resultPath],
                BlenderEnvironment(work, home), timeoutSeconds: 240);
            Assert.That(File.Exists(resultPath), Is.True, $"Blender under Xvfb (exit {code}) wrote no result:\n{output}");
            var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement;
            Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors").ToString());
            Assert.Multiple(() =>
            {
                Assert.That(result.GetProperty("phase").GetString(), Is.EqualTo("running"), "the screenshot shows a job in progress");
                Assert.That(result.GetProperty("done").GetInt32(), Is.GreaterThanOrEqualTo(2));
                Assert.That(result.GetProperty("total").GetInt32(), Is.EqualTo(400));
                Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(20_000), "a real screenshot, not an empty image");
            });
            TestContext.AddTestAttachment(screenshot, "Render Properties with a running BlenderFarm job");
        }
        finally
        {
            Repo.StopServer(home);
        }
    }

    [Test]
    public async Task Under_Xvfb_two_scenes_added_to_the_farm_queue_are_listed_in_the_sub_panel_and_its_buttons_raise_resume_pause_and_cancel_them()
    {
        var work = Path.Combine(_work, "queue");
        var project = Path.Combine(work, "project");
        CopyFolder(_scenes, project);
        var home = Path.Combine(work, "home");
        Directory.CreateDirectory(Repo.TestOutput);
        var screenshot = Path.Combine(Repo.TestOutput, "farm-queue-sub-panel.png");
        File.Delete(screenshot);
        var resultPath = Path.Combine(work, "result.json");
        try
        {
            var (code, output) = await Repo.RunAsync("xvfb-run",
                ["-a", "-s", "-screen 0 1280x2000x24", Blender.Discovery.BlenderLocator.Find(null), "--factory-startup", Path.Combine(project, "shot.blend"),
                 "--python-exit-code", "1", "--python", Path.Combine(Repo.BlenderScripts, "queue_test.py"), "--", ZipFor(work), screenshot, resultPath],
                BlenderEnvironment(work, home), timeoutSeconds: 400);
            Assert.That(File.Exists(resultPath), Is.True, $"Blender under Xvfb (exit {code}) wrote no result:\n{output}");
            var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
            Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors").ToString());
            var scene = result.GetProperty("jobs").GetProperty("Scene").GetString()!;
            var night = result.GetProperty("jobs").GetProperty("Night").GetString()!;
            string Listed(string step) => string.Join("; ", result.GetProperty("steps").GetProperty(step).EnumerateArray()
                .Select(r => $"{r.GetProperty("job_id").GetString()} {r.GetProperty("place").GetString()} {r.GetProperty("priority").GetInt32()}"));
            Assert.Multiple(() =>
            {
                Assert.That(night, Is.Not.EqualTo(scene), "each scene got its own job");
                Assert.That(Listed("second"), Is.EqualTo($"{night} paused 3; {scene} paused 0"), "the higher priority first");
                Assert.That(Listed("first_raised"), Is.EqualTo($"{scene} paused 4; {night} paused 3"), "raised above the other");
                Assert.That(Listed("first_resumed"), Does.StartWith($"{scene} rendering 4").Or.StartWith($"{scene} waiting 4"));
                Assert.That(Listed("first_paused"), Is.EqualTo($"{scene} paused 4; {night} paused 3"));
                Assert.That(Listed("cancelled"), Is.Empty);
                Assert.That(result.GetProperty("steps").GetProperty("second")[0].GetProperty("title").GetString(), Is.EqualTo($"shot.blend, job {night}"));
                var store = new BlenderFarm.Domain.Journal.JobStore(home);
                Assert.That(store.Read(scene).Status, Is.EqualTo(BlenderFarm.Domain.Jobs.JobStatus.Cancelled));
                Assert.That(store.Read(night).Status, Is.EqualTo(BlenderFarm.Domain.Jobs.JobStatus.Cancelled));
                Assert.That(store.Read(night).Spec.Scene.SceneName, Is.EqualTo("Night"), "the job renders the scene shown when Add to Queue was pressed");
                Assert.That(store.Read(scene).Spec.OutputDirectory, Is.Not.EqualTo(store.Read(night).Spec.OutputDirectory), "two scenes, two output folders");
                Assert.That(new FileInfo(screenshot).Length, Is.GreaterThan(20_000), "a real screenshot, not an empty image");
            });
            TestContext.AddTestAttachment(screenshot, "The Farm Queue sub-panel with two scenes' jobs");
        }
        finally
        {
            Repo.StopServer(home);
        }
    }

    [Test]
    public async Task Closing_Blender_does_not_stop_the_job_and_reopening_the_file_shows_it_again_with_its_frames()
    {
        var work = Path.Combine(_work, "reopen");
        var project = Path.Combine(work, "project");
        CopyFolder(_scenes, project);
        var home = Path.Combine(work, "home");
        var environment = BlenderEnvironment(work, home);
        try
        {
            var submitted = await RunUnderXvfbAsync(project, "submit", work, environment);
            var jobId = submitted.GetProperty("job_id").GetString()!;
            Assert.That(submitted.GetProperty("phase").GetString(), Is.EqualTo("running"), "Blender quit while the job was running");
            var doneWhenBlenderQuit = submitted.GetProperty("done").GetInt32();
            Assert.That(doneWhenBlenderQuit, Is.LessThan(60));

            var store = new BlenderFarm.Domain.Journal.JobStore(home);
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (store.Read(jobId).Status != BlenderFarm.Domain.Jobs.JobStatus.Completed && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }

            Assert.That(store.Read(jobId).Status, Is.EqualTo(BlenderFarm.Domain.Jobs.JobStatus.Completed), "the coordinator finished the job after Blender quit");

            var reopened = await RunUnderXvfbAsync(project, "reopen", work, environment);
            Assert.Multiple(() =>
            {
                Assert.That(reopened.GetProperty("job_id").GetString(), Is.EqualTo(jobId), "the job id was saved in the .blend");
                Assert.That(reopened.GetProperty("shown_job_id").GetString(), Is.EqualTo(jobId), "the panel shows that job again");
                Assert.That(reopened.GetProperty("phase").GetString(), Is.EqualTo("completed"));
                Assert.That(reopened.GetProperty("done").GetInt32(), Is.EqualTo(60));
                Assert.That(reopened.GetProperty("total").GetInt32(), Is.EqualTo(60));
            });
        }
        finally
        {
            Repo.StopServer(home);
        }
    }

    private static async Task<JsonElement> RunUnderXvfbAsync(string project, string phase, string work, Dictionary<string, string> environment)
    {
        var resultPath = Path.Combine(work, phase + ".json");
        var (code, output) = await Repo.RunAsync("xvfb-run",
            ["-a", "-s", "-screen 0 1280x900x24", Blender.Discovery.BlenderLocator.Find(null), "--factory-startup", Path.Combine(project, "shot.blend"),
             "--python-exit-code", "1", "--python", Path.Combine(Repo.BlenderScripts, "reopen_test.py"), "--", ZipFor(work), phase, resultPath],
            environment, timeoutSeconds: 240);
        Assert.That(File.Exists(resultPath), Is.True, $"Blender under Xvfb ({phase}, exit {code}) wrote no result:\n{output}");
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
        Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors").ToString());
        return result;
    }

    private static string ZipFor(string work) => Directory.GetFiles(Path.GetDirectoryName(work)!, "blender_farm-*-linux-x64.zip").Single();

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static Dictionary<string, string> BlenderEnvironment(string work, string home) => new()
    {
        ["BLENDERFARM_HOME"] = home,
        ["BLENDER_USER_SCRIPTS"] = Path.Combine(work, "scripts"),
        ["BLENDER_USER_CONFIG"] = Path.Combine(work, "config"),
    };

    /// <summary>Builds the linux-x64 zip from the current sources with packaging/package.py, as `build.sh package` does.</summary>
    private static async Task<string> PackageAsync(string work)
    {
        var (code, output) = await Repo.RunAsync("python3", [Path.Combine(Repo.Root, "packaging", "package.py"), "--platform", "linux-x64", "--out", work], timeoutSeconds: 400);
        Assert.That(code, Is.Zero, output);
        return Directory.GetFiles(work, "blender_farm-*-linux-x64.zip").Single();
    }
}
