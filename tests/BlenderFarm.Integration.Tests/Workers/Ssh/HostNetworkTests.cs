using System.Globalization;
using System.Text.RegularExpressions;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// Hosts on one network (<c>network=</c> in the hosts file) get the job's files from this machine once: the first
/// host receives them over SFTP, the others fetch them from it with short-lived keys. Real sshd, real Blender.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
public sealed partial class HostNetworkTests
{
    [Test]
    public async Task Three_hosts_on_one_network_get_one_copy_of_the_job_from_this_machine_and_render_every_frame_once()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 3);
        var scene = await TexturedSceneAsync(workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-6", "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt"), network: "studio"),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", "lan");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(Enumerable.Range(1, 6).Select(f => $"frame_{f:0000}.png")));
        Assert.That(new JournalView(workspace.Cli.Home, "lan").DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
        var (sent, jobFiles, copy) = SentBytes(result.Stderr);
        TestContext.Out.WriteLine($"3 hosts on one network: {sent} bytes sent, one copy of the job is {copy} bytes ({(double)sent / copy:0.000} copies)");
        Assert.That(jobFiles, Is.EqualTo(copy), "the job's files left this machine once");
        Assert.That(sent, Is.InRange(copy, copy * 1.05), "with the worker script for each host, within 5% of one copy");
        Assert.That(result.Stderr, Does.Contain("fetched 2 file(s)").And.Not.Contain("could not fetch"), "both other hosts fetched the .blend and the texture from the first");
        foreach (var host in hosts.Hosts.Skip(1))
        {
            Assert.That(Directory.GetFiles(Path.Combine(host.WorkFolder, "jobs", "lan", "input"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(),
                Is.EqualTo(new[] { "noise.png", "textured.blend" }), $"{host.Name} holds the job");
            Assert.That(Leftovers(Path.Combine(host.WorkFolder, "peer-keys")), Is.Empty, $"{host.Name} deleted its key");
        }

        Assert.That(File.ReadAllText(hosts.Hosts[0].AuthorizedKeysFile), Does.Not.Contain("blenderfarm-peer"), "the first host no longer lets the peers' keys in");
        Assert.That(Leftovers(Path.Combine(hosts.Hosts[0].WorkFolder, "peer-share")), Is.Empty, "the shared folder is gone");
    }

    [Test]
    public async Task A_host_that_cannot_reach_the_first_host_of_its_network_gets_the_job_from_this_machine_and_renders()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var bin = workspace.PathOf("unreachable-bin");
        Directory.CreateDirectory(bin);
        // The host's own ssh client cannot reach anything, as on a host behind a firewall that blocks its network.
        File.WriteAllText(Path.Combine(bin, "ssh"), "#!/bin/sh\necho 'ssh: connect to host seed port 22: Connection refused' >&2\nexit 255\n");
        File.SetUnixFileMode(Path.Combine(bin, "ssh"), (UnixFileMode)0b111_101_101);
        var cut = hosts.AddHost(new Dictionary<string, string> { ["PATH"] = $"{bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" });
        var scene = await TexturedSceneAsync(workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt"), network: "studio"),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", "cut");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(new JournalView(workspace.Cli.Home, "cut").DoneCounts(), Is.EqualTo(new Dictionary<int, int> { [1] = 1, [2] = 1 }));
        Assert.That(result.Stderr, Does.Contain($"host {cut.Name} could not fetch the job from {hosts.Hosts[0].Name} in its network").And.Contain("Connection refused"));
        var (sent, jobFiles, copy) = SentBytes(result.Stderr);
        TestContext.Out.WriteLine($"2 hosts, the second cut off from the first: {sent} bytes sent, one copy of the job is {copy} bytes ({(double)sent / copy:0.000} copies)");
        Assert.That(jobFiles, Is.EqualTo(2 * copy), "the cut-off host got its own copy from this machine");
        Assert.That(File.ReadAllText(hosts.Hosts[0].AuthorizedKeysFile), Does.Not.Contain("blenderfarm-peer"));
    }

    /// <summary>The bytes sent to all hosts (with the worker script), those of job files, and the size of one copy of the job, from the coordinator's log.</summary>
    internal static (long Sent, long JobFiles, long Copy) SentBytes(string log)
    {
        var match = SentLine().Match(log);
        Assert.That(match.Success, Is.True, "the log says how many bytes went to the hosts: " + log);
        return (Number(match.Groups[1].Value), Number(match.Groups[2].Value), Number(match.Groups[3].Value));
    }

    private static long Number(string digits) => long.Parse(digits, CultureInfo.InvariantCulture);

    /// <summary>The tiny scene with a 384x384 noise texture (about 0.6 MB that does not compress): a job the size of real files.</summary>
    private static async Task<string> TexturedSceneAsync(Workspace workspace)
    {
        var texture = workspace.PathOf("scene", "noise.png");
        Directory.CreateDirectory(Path.GetDirectoryName(texture)!);
        var (code, said) = await BlenderFarm.Blender.Discovery.ProcessRunner.RunAsync(Support.Blender.Executable,
        [
            "-b", "--factory-startup", "--python-expr",
            $"import bpy, random; random.seed(16); i = bpy.data.images.new('n', 384, 384); i.pixels = [random.random() for _ in range(384 * 384 * 4)]; i.filepath_raw = r'''{texture}'''; i.file_format = 'PNG'; i.save()",
        ], TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.That(code, Is.Zero, said);
        return await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "textured.blend"), new { texture, texture_name = "noise", end = 12, width = 64, height = 48, samples = 4 });
    }

    private static string[] Leftovers(string folder) => Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder) : [];

    [GeneratedRegex(@"sent (\d+) bytes to \d+ host\(s\) in all, (\d+) of them job files \(one copy of the job: (\d+) bytes\)")]
    private static partial Regex SentLine();
}
