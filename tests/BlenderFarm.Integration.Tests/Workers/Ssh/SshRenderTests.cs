using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Rendering on hosts reached over real SSH (sshd on loopback addresses), with real Blender on each.</summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class SshRenderTests
{
    [Test]
    public async Task A_job_spread_over_three_hosts_renders_every_frame_exactly_once()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 3);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", "three");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = Enumerable.Range(1, 12).Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        Assert.That(Directory.GetFileSystemEntries(output).Order(), Is.EqualTo(expected));
        var decoded = await Support.Blender.DecodeAsync(expected);
        Assert.That(expected.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 64 && d.Height == 48));
        var journal = new JournalView(workspace.Cli.Home, "three");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)));
        var hostsUsed = journal.Changes.Where(c => c.To == FrameState.Done).Select(c => c.Slot!.Split('#')[0]).Distinct().Order();
        Assert.That(hostsUsed, Is.EqualTo(hosts.Hosts.Select(h => h.Name).Order()), "every host rendered frames");
        var (sent, jobFiles, copy) = HostNetworkTests.SentBytes(result.Stderr);
        TestContext.Out.WriteLine($"3 hosts, no network: {sent} bytes sent, one copy of the job is {copy} bytes ({(double)sent / copy:0.000} copies)");
        Assert.That(jobFiles, Is.EqualTo(3 * copy), "each host got its own copy of the job's files from this machine");
        Assert.That(hosts.Hosts.Select(h => Directory.GetFiles(Path.Combine(h.WorkFolder, "jobs", "three", "frames"), "*", SearchOption.AllDirectories)),
            Has.All.Empty, "fetched frames are removed from the hosts");
    }

    [Test]
    public async Task Killing_one_hosts_sshd_mid_job_requeues_its_frame_within_30_seconds_and_every_frame_ends_once()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 3);
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("frames");
        var journal = new JournalView(workspace.Cli.Home, "hostdeath");
        var victim = hosts.Hosts[0];
        using var run = workspace.Cli.Start("render", scene, "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", "hostdeath", "--chunk", "2");
        await Poll.UntilAsync(() => File.Exists(Path.Combine(workspace.Cli.Home, "jobs", "hostdeath", "journal.bfj"))
            && journal.DoneCounts().Count >= 2
            && journal.State.Frames.Any(f => f.State == FrameState.Rendering && f.Slot!.StartsWith(victim.Name, StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2), "the first host is rendering and two frames are done");

        var killedAt = DateTimeOffset.UtcNow;
        victim.Kill();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(4));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 16).ToDictionary(f => f, _ => 1)), "each frame done exactly once");
        var requeued = journal.Changes.Where(c => c.Slot!.StartsWith(victim.Name, StringComparison.Ordinal) && c.To == FrameState.Queued && c.At >= killedAt).ToList();
        Assert.That(requeued, Is.Not.Empty, "the dead host's frame went back to the queue");
        Assert.That(requeued.Min(c => c.At) - killedAt, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(Directory.GetFiles(output).Length, Is.EqualTo(16));
    }

    [Test]
    public async Task A_scene_in_a_folder_named_with_spaces_quotes_dollars_and_unicode_renders_over_ssh()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace, "shot 'one' \"$HOME\" `x` é");
        var output = workspace.PathOf("out $x 'q'");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2",
            "--host", hosts.Hosts[0].Name, "--identity", hosts.ClientKey,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", "odd $name 'x'");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "frame_0001.png", "frame_0002.png" }));
    }

    [Test]
    public async Task Resubmitting_after_changing_one_texture_uploads_only_that_texture()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var texture = workspace.PathOf("scene", "textures", "wood.png");
        var firstTextureBytes = await MakeTextureAsync(texture, 0.8, 0.3, 0.1);
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "textured.blend"), new { texture, texture_name = "wood", end = 2 });
        var hostsFile = hosts.WriteHostsFile(workspace.PathOf("hosts.txt"));
        var knownHosts = hosts.WriteKnownHosts(workspace.PathOf("known_hosts"));
        string[] Render(string id) => ["render", scene, "--workers", "ssh:" + hostsFile, "--known-hosts", knownHosts, "--output", workspace.PathOf("out-" + id), "--job-id", id];

        var first = await workspace.Cli.RunAsync(Render("first"));
        await MakeTextureAsync(texture, 0.1, 0.3, 0.8);
        var second = await workspace.Cli.RunAsync(Render("second"));

        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        var blendBytes = new FileInfo(scene).Length;
        var textureBytes = new FileInfo(texture).Length;
        Assert.That(first.Stderr, Does.Contain($"uploaded 2 file(s), {blendBytes + firstTextureBytes} bytes of 2 file(s)"), "the first job uploads the .blend and its texture");
        Assert.That(second.Stderr, Does.Contain($"uploaded 1 file(s), {textureBytes} bytes of 2 file(s)"), "the second uploads only the changed texture");
    }

    private static async Task<long> MakeTextureAsync(string path, double r, double g, double b)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var (code, output) = await BlenderFarm.Blender.Discovery.ProcessRunner.RunAsync(Support.Blender.Executable,
        [
            "-b", "--factory-startup", "--python-expr",
            $"import bpy; i = bpy.data.images.new('t', 32, 32); i.pixels = [{r}, {g}, {b}, 1.0] * 1024; i.filepath_raw = r'''{path}'''; i.file_format = 'PNG'; i.save()",
        ], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.That(code, Is.Zero, output);
        return new FileInfo(path).Length;
    }
}
