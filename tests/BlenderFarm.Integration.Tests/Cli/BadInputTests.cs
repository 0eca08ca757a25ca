using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>Bad input gets one clear sentence on stderr and a non-zero exit, never a stack trace, and starts no job.</summary>
[Category("Blender")]
public sealed class BadInputTests
{
    private Workspace _workspace = null!;
    private string _scene = null!;

    [SetUp]
    public async Task SetUp()
    {
        _workspace = new Workspace();
        _scene = await Scenes.CopyAsync(Scenes.Tiny, _workspace);
    }

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    [Test]
    public async Task A_missing_file_is_named() =>
        await ExpectRefusal(["render", _workspace.PathOf("nope.blend")], "nope.blend does not exist.");

    [Test]
    public async Task A_file_that_is_not_a_blend_is_refused_before_Blender_starts()
    {
        var text = _workspace.PathOf("notes.blend");
        await File.WriteAllTextAsync(text, "just some notes");
        await ExpectRefusal(["render", text], "notes.blend is not a .blend file (it does not start like one).");
    }

    [Test]
    public async Task A_corrupt_blend_is_reported_with_Blenders_own_reason()
    {
        var corrupt = _workspace.PathOf("corrupt.blend");
        var bytes = (await File.ReadAllBytesAsync(_scene))[..200];
        await File.WriteAllBytesAsync(corrupt, bytes);
        await ExpectRefusal(["render", corrupt], "Blender could not open");
    }

    [TestCase("1-x", "is not a frame list")]
    [TestCase("10-2", "runs backwards")]
    [TestCase("1-10x0", "a step must be 1 or more")]
    [TestCase("", "The frame list is empty")]
    public async Task A_malformed_frame_spec_says_what_is_wrong(string frames, string message) =>
        await ExpectRefusal(["render", _scene, "--frames", frames], message);

    [Test]
    public async Task Frames_outside_the_scene_are_named_with_the_scenes_range() =>
        await ExpectRefusal(["render", _scene, "--frames", "10-14"], "Frames 13, 14 are outside the scene's range 1-12.");

    [Test]
    public async Task A_Blender_that_is_not_there_says_how_to_fix_it() =>
        await ExpectRefusal(["render", _scene, "--blender", "/nowhere/blender"], "Blender was not found at /nowhere/blender: pass --blender with the path of the blender executable.");

    [Test]
    public async Task Blender_missing_from_the_machine_says_how_to_install_it()
    {
        _workspace.Cli.Environment["BLENDERFARM_BLENDER"] = "/nowhere/blender";
        await ExpectRefusal(["render", _scene], "BLENDERFARM_BLENDER points to /nowhere/blender, which is not a Blender executable.");
    }

    [Test]
    public async Task An_output_folder_that_cannot_be_written_is_refused()
    {
        var file = _workspace.PathOf("a-file");
        await File.WriteAllTextAsync(file, "x");
        await ExpectRefusal(["render", _scene, "--output", Path.Combine(file, "frames")], "cannot be written");
    }

    [Test]
    public async Task A_missing_texture_is_named_with_the_image_that_uses_it()
    {
        var texture = _workspace.PathOf("textures", "wood grain.png");
        Directory.CreateDirectory(Path.GetDirectoryName(texture)!);
        File.Copy(_scene, texture); // any file will do: it is deleted before the render
        // Named by the datablock and the path Blender looked for, not only the path as stored (//textures/...).
        await ExpectRefusalAfterBuilding(texture, $"The scene uses files that are missing: image 'wood' ({texture}); fix the paths, or pass --allow-missing to render without them.");
    }

    [TestCase("--workers", "cloud", "--workers takes local[:N], ssh:HOSTS_FILE or aws[:N], not 'cloud'.")]
    [TestCase("--workers", "ssh:/no/such/hosts", "The hosts file /no/such/hosts does not exist (give --workers ssh:HOSTS_FILE, or --host user@host).")]
    [TestCase("--workers", "local:0", "--workers local:N takes a slot count from 1 to 64, not '0'.")]
    [TestCase("--chunk", "-3", "--chunk takes 'auto' or a number of frames from 1 to 10000, not '-3'.")]
    [TestCase("--colour", "red", "'blenderfarm render' has no option --colour")]
    public async Task Bad_options_are_refused(string option, string value, string message) =>
        await ExpectRefusal(["render", _scene, option, value], message);

    [Test]
    public async Task An_unknown_job_is_refused()
    {
        await ExpectRefusal(["resume", "20990101"], "There are no jobs yet");
        await ExpectRefusal(["status", "abc"], "There are no jobs yet");
    }

    private async Task ExpectRefusalAfterBuilding(string texture, string message)
    {
        var scene = await Support.Blender.MakeSceneAsync(_workspace.PathOf("textured.blend"),
            new { texture, texture_name = "wood", delete_texture_after = true });
        await ExpectRefusal(["render", scene], message);
    }

    private async Task ExpectRefusal(string[] arguments, string message)
    {
        var result = await _workspace.Cli.RunAsync(arguments);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "one sentence, nothing else: " + result.Stderr);
        Assert.That(lines[0], Does.StartWith("blenderfarm: ").And.Contain(message));
        Assert.That(lines[0].TrimEnd(), Does.EndWith("."), "a sentence ends with a full stop");
        Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(result.Stdout, Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(_workspace.Cli.Home, "jobs")) ? Directory.GetDirectories(Path.Combine(_workspace.Cli.Home, "jobs")) : [],
            Is.Empty, "no job was started");
    }
}
