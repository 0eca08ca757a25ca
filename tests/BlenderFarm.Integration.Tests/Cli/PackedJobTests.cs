using System.Globalization;
using System.Text.Json;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>
/// The CLI route of a packed job, on the add-on's production-style corpus (tests/addon/blender/make_dep_corpus.py:
/// the shot with a nested library outside the project, UDIM tiles, a sequence, IES, OSL, multires; the sequencer edit;
/// the effects scene with a font, a disk point cache and a VDB; the lights scene shaped by an IES profile; Alembic and
/// USD cache files; with a Blender 4.1 or newer, make_bake_corpus.py's geometry-nodes bakes on disk, rendered by that
/// Blender on the host): <c>blenderfarm render</c> on an SSH host with storage
/// of its own, which cannot see the project at all, renders what Blender renders from the original in place; and the
/// host's copy of the scene holds exactly the paths of the add-on's packed job, both written by the one remapper.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class PackedJobTests
{
    private static readonly string Repository = FindRepository();
    private static readonly string? NewerBlender = Blenders.AtLeast(4, 1); // geometry-nodes Bake nodes and custom bake paths
    private readonly Dictionary<string, Task<string>> _runs = [];
    private Workspace _workspace = null!;
    private SshHosts _hosts = null!;
    private string _project = null!;

    [OneTimeSetUp]
    public async Task MakeCorpusAsync()
    {
        _workspace = new Workspace();
        _project = _workspace.PathOf("project");
        await RunBlenderAsync("-b", "--factory-startup", "--python-exit-code", "1", "--python", TestScript("make_dep_corpus.py"), "--", _project);
        foreach (var scene in new[] { "shot", "edit", "lights" })
        {
            // Saved with absolute paths inside the project, as artists' files often are: the host cannot read them.
            await RunBlenderAsync("-b", Path.Combine(_project, "shots", scene + ".blend"), "--factory-startup", "--python-exit-code", "1", "--python", TestScript("make_paths_absolute.py"));
        }

        if (NewerBlender is not null)
        {
            await RunBlenderWithAsync(NewerBlender, "-b", "--factory-startup", "--python-exit-code", "1", "--python", TestScript("make_bake_corpus.py"), "--", _project);
        }

        _hosts = SshHosts.Start(_workspace.PathOf("hosts"), 1, hiddenFolder: _project);
    }

    [OneTimeTearDown]
    public void Dispose()
    {
        _hosts?.Dispose();
        _workspace?.Dispose();
    }

    [TestCase("shot", 1)]
    [TestCase("edit", 1)]
    [TestCase("fx", 3)]
    [TestCase("lights", 1)]
    [TestCase("caches", 1)]
    [TestCase("bake", 3)]
    public async Task A_scene_rendered_on_a_host_that_cannot_see_the_project_matches_the_original_rendered_in_place(string scene, int frame)
    {
        AssumeBlenderFor(scene);
        var original = await RenderInPlaceAsync(scene, frame);

        var output = await RunJobAsync(scene, frame);

        var frames = Directory.GetFiles(output);
        Assert.That(frames, Has.Length.EqualTo(1));
        Assert.That(await MeanDifferenceAsync(original, frames[0]), Is.LessThan(0.01));
    }

    [TestCase("shot", 1)]
    [TestCase("edit", 1)]
    [TestCase("fx", 3)]
    [TestCase("lights", 1)]
    [TestCase("caches", 1)]
    [TestCase("bake", 3)]
    public async Task The_hosts_copy_of_the_scene_holds_the_same_paths_as_the_add_ons_packed_job(string scene, int frame)
    {
        AssumeBlenderFor(scene);
        var blender = BlenderFor(scene);
        await RunJobAsync(scene, frame);
        var hostCopy = Path.Combine(_hosts.Hosts[0].WorkFolder, "jobs", scene, "input", scene + ".blend");
        var packOut = _workspace.PathOf($"addon-{scene}.json");
        await RunBlenderWithAsync(blender, "-b", Path.Combine(_project, "shots", scene + ".blend"), "--factory-startup", "--python-exit-code", "1",
            "--python", TestScript("pack_open_file.py"), "--", Path.Combine(Repository, "addon", "blender_farm"), _workspace.PathOf("addon-jobs"), packOut);
        using var pack = JsonDocument.Parse(await File.ReadAllTextAsync(packOut));
        var addonCopy = pack.RootElement.GetProperty("job_blend").GetString()!;

        var original = await StoredPathsAsync(blender, Path.Combine(_project, "shots", scene + ".blend"));
        var onHost = await StoredPathsAsync(blender, hostCopy);
        var fromAddon = await StoredPathsAsync(blender, addonCopy);

        Assert.That(onHost, Is.Not.Empty);
        Assert.That(onHost, Is.Not.EqualTo(original), "the original's paths needed rewriting");
        Assert.That(onHost, Is.EqualTo(fromAddon));
        Assert.That(onHost.Where(p => !p.Contains(" -> //", StringComparison.Ordinal)), Is.Empty, "every path is relative");
    }

    /// <summary>Renders the scene on the hidden-project host through the CLI, once per scene; returns the output folder.</summary>
    private Task<string> RunJobAsync(string scene, int frame)
    {
        lock (_runs)
        {
            if (!_runs.TryGetValue(scene, out var run))
            {
                run = RunJobOnceAsync(scene, frame);
                _runs[scene] = run;
            }

            return run;
        }
    }

    private async Task<string> RunJobOnceAsync(string scene, int frame)
    {
        var output = _workspace.PathOf("frames-" + scene);
        var blender = BlenderFor(scene);
        var result = await _workspace.Cli.RunAsync("render", Path.Combine(_project, "shots", scene + ".blend"), "--frames", frame.ToString(CultureInfo.InvariantCulture),
            "--workers", "ssh:" + _hosts.WriteHostsFile(_workspace.PathOf($"hosts-{scene}.txt"), blender: blender), "--blender", blender,
            "--known-hosts", _hosts.WriteKnownHosts(_workspace.PathOf("known_hosts")),
            "--output", output, "--job-id", scene, "--allow-missing"); // the shot's mesh cache is missing on purpose
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return output;
    }

    private async Task<string> RenderInPlaceAsync(string scene, int frame)
    {
        var prefix = _workspace.PathOf($"original-{scene}-");
        await RunBlenderWithAsync(BlenderFor(scene), "-b", Path.Combine(_project, "shots", scene + ".blend"), "--factory-startup", "-o", prefix + "####", "-F", "PNG", "-f", frame.ToString(CultureInfo.InvariantCulture));
        return prefix + frame.ToString("0000", CultureInfo.InvariantCulture) + ".png";
    }

    /// <summary>"datablock -> path" for every entry the one scanner lists in <paramref name="blend"/>, as stored there.</summary>
    private async Task<List<string>> StoredPathsAsync(string blender, string blend)
    {
        var outFile = _workspace.PathOf($"paths-{Guid.NewGuid():N}.json");
        await RunBlenderWithAsync(blender, "-b", blend, "--factory-startup", "--python-exit-code", "1", "--python", TestScript("job_paths.py"), "--",
            Path.Combine(Repository, "addon", "blender_farm"), outFile);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(outFile));
        return [.. document.RootElement.EnumerateArray().Select(e => $"{e.GetProperty("datablock").GetString()} -> {e.GetProperty("path").GetString()}")];
    }

    private static async Task<double> MeanDifferenceAsync(string a, string b)
    {
        var (_, output) = await ProcessRunner.RunAsync("compare", ["-metric", "MAE", a, b, "null:"], TimeSpan.FromMinutes(1), CancellationToken.None);
        return double.Parse(output.Split('(')[1].Split(')')[0], CultureInfo.InvariantCulture);
    }

    private static Task RunBlenderAsync(params string[] arguments) => RunBlenderWithAsync(Support.Blender.Executable, arguments);

    private static async Task RunBlenderWithAsync(string blender, params string[] arguments)
    {
        var (code, output) = await ProcessRunner.RunAsync(blender, arguments, TimeSpan.FromMinutes(5), CancellationToken.None);
        Assert.That(code, Is.Zero, output);
    }

    /// <summary>The bake scene needs a Blender 4.1 or newer (made, packed and rendered by it); the others the default Blender.</summary>
    private static string BlenderFor(string scene) => scene == "bake" ? NewerBlender! : Support.Blender.Executable;

    private static void AssumeBlenderFor(string scene)
    {
        if (scene == "bake" && NewerBlender is null)
        {
            Assert.Ignore("the bake scene needs a Blender 4.1 or newer (tools/blender-chroot.sh makes blender-4.3 and blender-5.2)");
        }
    }

    private static string TestScript(string name) => Path.Combine(Repository, "tests", "addon", "blender", name);

    private static string FindRepository()
    {
        for (var folder = TestContext.CurrentContext.TestDirectory; folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(Path.Combine(folder, "addon", "blender_farm", "remap_job.py")))
            {
                return folder;
            }
        }

        throw new InvalidOperationException("The repository (addon/blender_farm) is not above the test folder.");
    }
}
