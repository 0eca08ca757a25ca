using System.Text.Json;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Addon;

/// <summary>
/// The installable linux-x64 zip on every Blender in the version matrix (3.4, and 4.3 and 5.2 from
/// tools/blender-chroot.sh): installed the legacy way (bpy.ops.preferences.addon_install, then enabled), it registers
/// and submits through its own Render operator to the coordinator it bundles, on this computer. The project is made by
/// the same Blender that submits it. tests/addon/blender/submit_test.py is the Blender side.
/// </summary>
[NonParallelizable]
[Category("Versions")]
public sealed class AddonOnBlenderVersionsTests
{
    private string _work = "";
    private string _zip = "";

    [OneTimeSetUp]
    public async Task Package()
    {
        Assume.That(OperatingSystem.IsLinux(), Is.True, "the tests install the linux-x64 zip");
        _work = Repo.NewTempFolder("addon-versions");
        var (code, output) = await Repo.RunAsync("python3", [Path.Combine(Repo.Root, "packaging", "package.py"), "--platform", "linux-x64", "--out", _work], timeoutSeconds: 400);
        Assert.That(code, Is.Zero, output);
        _zip = Directory.GetFiles(_work, "blender_farm-*-linux-x64.zip").Single();
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_work.Length > 0 && Directory.Exists(_work))
        {
            foreach (var home in Directory.GetDirectories(_work, "home", SearchOption.AllDirectories))
            {
                Repo.StopServer(home);
            }

            Directory.Delete(_work, recursive: true);
        }
    }

    /// <summary>The default Blender and every blender-MAJOR.MINOR wrapper in /usr/local/bin.</summary>
    public static IEnumerable<TestCaseData> Blenders()
    {
        var wrappers = Directory.Exists("/usr/local/bin")
            ? Directory.GetFiles("/usr/local/bin", "blender-*.*").Order(StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        return new[] { Blender.Discovery.BlenderLocator.Find(null) }.Concat(wrappers)
            .Select(path => new TestCaseData(path).SetArgDisplayNames(Path.GetFileName(path)));
    }

    /// <summary>Blender 4.2+ (the extension system): the blender-MAJOR.MINOR wrappers.</summary>
    public static IEnumerable<TestCaseData> ExtensionBlenders() =>
        Blenders().Where(c => Path.GetFileName((string)c.Arguments[0]!).StartsWith("blender-", StringComparison.Ordinal));

    [TestCaseSource(nameof(ExtensionBlenders))]
    public async Task The_zips_manifest_is_the_one_blenders_own_split_platform_build_writes_for_linux_x64(string blender)
    {
        var built = Path.Combine(_work, "split-" + Path.GetFileName(blender));
        Directory.CreateDirectory(built);
        var (code, output) = await Repo.RunAsync(blender,
            ["-b", "--factory-startup", "-c", "extension", "build", "--split-platforms", "--source-dir", Path.Combine(Repo.Root, "addon", "blender_farm"), "--output-dir", built]);
        Assert.That(code, Is.Zero, output);

        var theirs = ManifestOf(Directory.GetFiles(built, "blender_farm-*-linux_x64.zip").Single(), "blender_manifest.toml");
        var ours = ManifestOf(_zip, "blender_farm/blender_manifest.toml");
        Assert.That(ours, Is.EqualTo(theirs), "the packaged manifest says what Blender's own build says: every platform in the source list, linux-x64 in [build.generated]");
        Assert.That(ours, Does.Contain("[build.generated]\nplatforms = [\"linux-x64\"]"));
    }

    private static string ManifestOf(string zip, string entry)
    {
        using var archive = System.IO.Compression.ZipFile.OpenRead(zip);
        using var reader = new StreamReader(archive.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [TestCaseSource(nameof(Blenders))]
    public async Task The_legacy_install_registers_and_the_Render_operator_renders_every_frame_once_on_this_computer(string blender)
    {
        var work = Path.Combine(_work, Path.GetFileName(blender));
        var project = Path.Combine(work, "project");
        var home = Path.Combine(work, "home");
        Directory.CreateDirectory(project);
        var (made, madeOutput) = await Repo.RunAsync(blender,
            ["-b", "--factory-startup", "--python-exit-code", "1", "--python", Path.Combine(Repo.BlenderScripts, "make_scenes.py"), "--", project]);
        Assert.That(made, Is.Zero, madeOutput);

        var resultPath = Path.Combine(work, "result.json");
        var environment = new Dictionary<string, string>
        {
            ["BLENDERFARM_HOME"] = home,
            ["BLENDER_USER_SCRIPTS"] = Path.Combine(work, "scripts"),
            ["BLENDER_USER_CONFIG"] = Path.Combine(work, "config"),
            ["BLENDER_USER_EXTENSIONS"] = Path.Combine(work, "extensions"),
        };
        JsonElement result;
        try
        {
            var (code, output) = await Repo.RunAsync(blender,
                ["-b", "--factory-startup", "--python", Path.Combine(Repo.BlenderScripts, "submit_test.py"), "--", _zip, project, resultPath],
                environment, timeoutSeconds: 400);
            Assert.That(File.Exists(resultPath), Is.True, $"Blender (exit {code}) wrote no result:\n{output}");
            result = JsonDocument.Parse(await File.ReadAllTextAsync(resultPath)).RootElement.Clone();
            Assert.That(result.GetProperty("errors").GetArrayLength(), Is.Zero, result.GetProperty("errors") + "\n" + output);
        }
        finally
        {
            Repo.StopServer(home);
        }

        var status = result.GetProperty("status");
        var jobId = result.GetProperty("job_id").GetString()!;
        var changes = FileJobJournal.Read(new JobStore(home).JournalPath(jobId)).Records.OfType<FrameChanged>().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.GetProperty("addon_file").GetString(), Does.StartWith(Path.Combine(work, "scripts", "addons", "blender_farm")),
                "installed as a legacy add-on into Blender's add-ons folder");
            Assert.That(result.GetProperty("enabled_modules").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "blender_farm" }));
            Assert.That(result.GetProperty("render_operator").GetBoolean(), Is.True);
            Assert.That(result.GetProperty("panels").GetArrayLength(), Is.GreaterThan(0), "its Render Properties panel is registered");
            Assert.That(status.GetProperty("phase").GetString(), Is.EqualTo("completed"));
            Assert.That(status.GetProperty("workers").GetString(), Does.StartWith("local:"), "rendered on this computer");
            Assert.That(result.GetProperty("frames").EnumerateArray().Select(f => f.GetString()),
                Is.EqualTo(new[] { "shot_0001.png", "shot_0002.png", "shot_0003.png", "shot_0004.png" }));
            Assert.That(result.GetProperty("decoded").EnumerateArray().Select(d => (d.GetProperty("width").GetInt32(), d.GetProperty("height").GetInt32())),
                Is.EqualTo(Enumerable.Repeat((48, 32), 4)), "each frame decodes at the scene's size");
            Assert.That(changes.Where(c => c.To == FrameState.Rendering).GroupBy(c => c.Frame).ToDictionary(g => g.Key, g => g.Count()),
                Is.EqualTo(new Dictionary<int, int> { [1] = 1, [2] = 1, [3] = 1, [4] = 1 }), "each frame rendered exactly once");
            Assert.That(changes.Where(c => c.To == FrameState.Done).GroupBy(c => c.Frame).ToDictionary(g => g.Key, g => g.Count()),
                Is.EqualTo(new Dictionary<int, int> { [1] = 1, [2] = 1, [3] = 1, [4] = 1 }), "each frame done exactly once");
            Assert.That(result.GetProperty("texture_pixels").GetProperty("red").GetInt32(), Is.GreaterThan(200), "the packed texture is in the frames");
            Assert.That(result.GetProperty("missing_message").GetString(), Does.Contain($"gone.png (image 'GoneTexture', looked for at {Path.Combine(project, "textures", "gone.png")})"),
                "a missing file is named once, by its datablock (5.x's bpy.data.all_ids named it twice)");
        });
    }
}
