using System.Text;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Versions;

/// <summary>
/// The Blender of the file and the Blender of the workers: the saving version is read from the .blend's header (plain,
/// or inside zstd as 5.x writes it), compared with this computer's Blender, shown in status, and an older major
/// release is refused in one sentence. Files are saved by the real Blenders of the version matrix.
/// </summary>
[Category("Blender")]
[Category("Versions")]
public sealed class BlendFileVersionTests
{
    [TestCaseSource(typeof(Blenders), nameof(Blenders.All))]
    public async Task The_saving_version_is_read_from_plain_and_compressed_files(string blender)
    {
        using var workspace = new Workspace();
        var plain = await Support.Blender.MakeSceneAsync(workspace.PathOf("plain.blend"), new { end = 1, compress = false }, blender);
        var compressed = await Support.Blender.MakeSceneAsync(workspace.PathOf("compressed.blend"), new { end = 1, compress = true }, blender);
        var version = BlenderRelease.Parse(await BlenderCompatibility.ProbeAsync(blender, CancellationToken.None));

        Assert.That(version, Is.Not.Null);
        Assert.That(File.ReadAllBytes(compressed)[..4], Is.EqualTo(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }), "saved zstd-compressed");
        Assert.That(BlendFileVersion.Read(plain), Is.EqualTo(version));
        Assert.That(BlendFileVersion.Read(compressed), Is.EqualTo(version));
    }

    [Test]
    public async Task A_file_saved_by_a_newer_major_version_is_refused_in_one_sentence_before_anything_runs()
    {
        var newest = Blenders.Executables().Select(b => (Path: b, Release: BlenderRelease.Parse(Path.GetFileName(b).Replace("blender-", "", StringComparison.Ordinal))))
            .Where(b => b.Release is not null).MaxBy(b => b.Release);
        Assume.That(newest.Release is { Major: > 3 }, Is.True, "needs a Blender 4.x or 5.x wrapper (tools/blender-chroot.sh)");
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("new.blend"), new { end = 1 }, newest.Path);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "local:1", "--blender", Support.Blender.Executable);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "one sentence, nothing else: " + result.Stderr);
        Assert.That(lines[0], Does.StartWith($"blenderfarm: new.blend was saved by Blender {newest.Release} and this computer has Blender 3.4")
            .And.Contain("an older major version that cannot read it"));
        Assert.That(Directory.Exists(Path.Combine(workspace.Cli.Home, "jobs")) ? Directory.GetDirectories(Path.Combine(workspace.Cli.Home, "jobs")) : [], Is.Empty,
            "no job was created");
    }

    [Test]
    public async Task A_file_saved_by_a_newer_minor_release_renders_with_a_warning_and_status_shows_both_versions()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("shot.blend"), new { end = 1, width = 32, height = 24, compress = false });
        var bytes = File.ReadAllBytes(scene);
        Assert.That(Encoding.ASCII.GetString(bytes, 0, 12), Is.EqualTo("BLENDER-v304"), "a plain 3.4 header");
        Encoding.ASCII.GetBytes("306").CopyTo(bytes, 9); // as if saved by 3.6: the header is all that changes
        File.WriteAllBytes(scene, bytes);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "local:1", "--output", workspace.PathOf("frames"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain("shot.blend was saved by Blender 3.6 and this computer has the older Blender 3.4.1: what newer features store in the file may be lost in its frames."));
        var status = await workspace.Cli.RunAsync("status");
        Assert.That(status.Stdout, Does.Contain($"Blender: file saved by 3.6, scene read by 3.4.1 ({Support.Blender.Executable})"), status.ToString());
    }

    [Test]
    [Category("Ssh")]
    public async Task An_SSH_host_whose_Blender_is_an_older_major_version_is_left_out_by_name_and_the_others_render()
    {
        var newest = Blenders.NewestWrapper();
        Assume.That(newest, Is.Not.Null, "needs a Blender 4.x or 5.x wrapper (tools/blender-chroot.sh)");
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var (old, current) = (hosts.Hosts[0], hosts.Hosts[1]);
        var hostsFile = workspace.PathOf("hosts.txt");
        await File.WriteAllLinesAsync(hostsFile, new[] { (old, Support.Blender.Executable), (current, newest!) }
            .Select(h => $"{h.Item1.Name} key=\"{hosts.ClientKey}\" dir=\"{h.Item1.WorkFolder}\" blender=\"{h.Item2}\""));
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("new.blend"), new { end = 2, width = 32, height = 24 }, newest);
        var saved = BlendFileVersion.Read(scene)!;

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "ssh:" + hostsFile, "--blender", newest!,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", workspace.PathOf("out"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain($"new.blend was saved by Blender {saved} and host {old.Name} has Blender 3.4.1, an older major version that cannot read it: install Blender {saved} or newer there, or save the file with Blender 3.x; the job renders without it."));
        Assert.That(result.Stderr, Does.Contain($"host {old.Name}: Blender 3.4.1").And.Contain($"host {current.Name}: Blender {saved}"), "each host's version is shown");
        Assert.That(Directory.Exists(old.WorkFolder) ? Directory.GetFiles(old.WorkFolder, "*.png", SearchOption.AllDirectories) : [], Is.Empty, "nothing rendered on the old host");
        var frames = new[] { 1, 2 }.Select(f => workspace.PathOf("out", $"frame_{f:0000}.png")).ToList();
        var decoded = await Support.Blender.DecodeAsync(frames);
        Assert.That(frames.Select(f => decoded.TryGetValue(f, out var d) && d.Ok), Has.All.True);
        var status = await workspace.Cli.RunAsync("status");
        Assert.That(status.Stdout, Does.Contain($"  host {current.Name}: Blender {saved}").And.Not.Contain($"host {old.Name}:"),
            "status lists the host that rendered with its Blender version, from the journal: " + status);
    }
}
