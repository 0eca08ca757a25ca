using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// Hosts whose user's login shell is not a POSIX shell: the coordinator's remote commands must never be parsed by it.
/// The job holds names that each break some shell: a job id that ends a fish quote (<c>\'</c> inside single quotes) and
/// runs <c>touch</c> (Blender itself cannot read a file whose path holds a backslash, so the id carries it), a newline
/// inside a texture's folder name (csh and tcsh stop at "Unmatched '"), and a .blend whose name starts with '-'.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class LoginShellTests
{
    [TestCase("/usr/bin/fish")]
    [TestCase("/usr/bin/tcsh")]
    [TestCase("/usr/bin/zsh")]
    public async Task A_job_with_hostile_file_names_renders_every_frame_once_and_runs_nothing_on_a_host_whose_login_shell_is(string shell)
    {
        var user = TestUsers.WithLoginShell(shell);
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1, user: user);
        // A remote shell starts in the user's home: that is where the job id's touch would land.
        var pwn = "bf-pwn-" + Guid.NewGuid().ToString("N")[..10];
        var sideEffect = Path.Combine(TestUsers.HomeOf(user), pwn);
        var jobId = $"x\\';touch {pwn};#";
        var texture = workspace.PathOf("scene", "tex\nture", "wood.png");
        Directory.CreateDirectory(Path.GetDirectoryName(texture)!);
        var plain = workspace.PathOf("plain.png");
        SshHosts.Run("convert", "-size", "16x16", "xc:#c86432", plain);
        File.Move(plain, texture);
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "-name.blend"), new { texture, texture_name = "hostile", end = 4 });
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", jobId);

        Assert.That(File.Exists(sideEffect), Is.False, $"a name in the job ran a command under {shell}");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = Enumerable.Range(1, 4).Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        Assert.That(Directory.GetFileSystemEntries(output).Order(), Is.EqualTo(expected));
        var decoded = await Support.Blender.DecodeAsync(expected);
        Assert.That(expected.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok));
        Assert.That(new JournalView(workspace.Cli.Home, jobId).DoneCounts(), Is.EqualTo(Enumerable.Range(1, 4).ToDictionary(f => f, _ => 1)),
            "each frame done exactly once");
        var uploaded = Path.Combine(hosts.Hosts[0].WorkFolder, "jobs", jobId, "input", "tex\nture", "wood.png");
        Assert.That(File.ReadAllBytes(uploaded), Is.EqualTo(File.ReadAllBytes(texture)), "the texture reached the host under its own name");
    }
}
