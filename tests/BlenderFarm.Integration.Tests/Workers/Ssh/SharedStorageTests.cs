using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Shared storage: job input and frames go through one folder every host sees, not SFTP.</summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class SharedStorageTests
{
    [Test]
    public async Task Renders_with_inputs_and_outputs_in_one_shared_folder_and_nothing_uploaded()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var shared = workspace.PathOf("shared");
        Directory.CreateDirectory(shared);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = Path.Combine(shared, "frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-6",
            "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")), "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")),
            "--shared-storage", shared, "--output", output, "--job-id", "shared");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(Enumerable.Range(1, 6).Select(f => $"frame_{f:0000}.png")));
        Assert.That(new JournalView(workspace.Cli.Home, "shared").DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
        Assert.That(File.Exists(Path.Combine(shared, ".blenderfarm", "jobs", "shared", "input", "tiny.blend")), Is.True, "the job's input is on the shared storage");
        Assert.That(Directory.GetFiles(Path.Combine(shared, ".blenderfarm", "jobs", "shared", "frames"), "*", SearchOption.AllDirectories), Is.Empty,
            "every frame was taken from the hosts' folder into the output");
        Assert.That(hosts.Hosts.Select(h => Directory.Exists(Path.Combine(h.WorkFolder, "cache"))), Has.All.False, "nothing went through the SFTP cache");
        Assert.That(result.Stderr, Does.Contain($"job files on shared storage {shared}"));
    }

    [Test]
    public async Task Shared_storage_without_SSH_hosts_is_refused()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--shared-storage", workspace.Root);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr.Trim(), Is.EqualTo("blenderfarm: --shared-storage is for SSH hosts (--workers ssh:HOSTS or --host)."));
    }
}
