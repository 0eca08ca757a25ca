using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Host keys are verified against known_hosts; nothing is trusted blindly.</summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class HostKeyTests
{
    [Test]
    public async Task A_host_whose_key_does_not_match_known_hosts_is_refused_naming_both_fingerprints()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var host = hosts.Hosts[0];
        var impostorKey = workspace.PathOf("impostor");
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", impostorKey);
        var knownHosts = workspace.PathOf("known_hosts");
        await File.WriteAllTextAsync(knownHosts, $"{host.KnownHostsName} {string.Join(' ', File.ReadAllText(impostorKey + ".pub").Split(' ').Take(2))}\n");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")), "--known-hosts", knownHosts);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        var line = result.Stderr.Trim();
        Assert.That(line.Split('\n'), Has.Length.EqualTo(1), result.Stderr);
        Assert.That(line, Does.StartWith($"blenderfarm: Host {host.Name} presented host key {Fingerprint(host.PublicKeyLine)} but known_hosts expects {Fingerprint(File.ReadAllText(impostorKey + ".pub"))}"));
        Assert.That(result.Stderr, Does.Not.Contain("   at "));
    }

    [Test]
    public async Task An_unknown_host_is_refused_unless_new_keys_may_be_pinned_and_a_pinned_key_is_trusted_next_time()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var host = hosts.Hosts[0];
        var emptyKnownHosts = workspace.PathOf("known_hosts");
        await File.WriteAllTextAsync(emptyKnownHosts, "");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var hostsFile = hosts.WriteHostsFile(workspace.PathOf("hosts.txt"));
        string[] Render(params string[] more) => ["render", scene, "--frames", "1", "--workers", "ssh:" + hostsFile, "--known-hosts", emptyKnownHosts, "--output", workspace.PathOf("out"), .. more];

        var refused = await workspace.Cli.RunAsync(Render());
        var pinned = await workspace.Cli.RunAsync(Render("--accept-new-host-keys"));
        var again = await workspace.Cli.RunAsync(Render());

        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.ToString());
        Assert.That(refused.Stderr.Trim(), Is.EqualTo(
            $"blenderfarm: Host {host.Name} is not in known_hosts (its key is {Fingerprint(host.PublicKeyLine)}): check the fingerprint, then connect once with ssh or pass --accept-new-host-keys to pin it."));
        Assert.That(pinned.ExitCode, Is.Zero, pinned.ToString());
        var pinnedFile = Path.Combine(workspace.Cli.Home, "known_hosts");
        Assert.That(File.ReadAllText(pinnedFile).Trim(), Is.EqualTo($"{host.KnownHostsName} {host.PublicKeyLine.Trim()}"));
        Assert.That(File.GetUnixFileMode(pinnedFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(again.ExitCode, Is.Zero, "the pinned key is trusted without the flag: " + again);
        Assert.That(await File.ReadAllTextAsync(emptyKnownHosts), Is.Empty, "the user's own known_hosts is never written");
    }

    [Test]
    public async Task Hashed_known_hosts_entries_are_understood()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var knownHosts = hosts.WriteKnownHosts(workspace.PathOf("known_hosts"));
        SshHosts.Run("ssh-keygen", "-H", "-f", knownHosts);
        Assert.That(File.ReadAllText(knownHosts), Does.StartWith("|1|"), "ssh-keygen hashed the host names");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1", "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", knownHosts, "--output", workspace.PathOf("out"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
    }

    [Test]
    public async Task An_unreachable_host_is_named_in_one_sentence()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var knownHosts = hosts.WriteKnownHosts(workspace.PathOf("known_hosts"));
        var hostsFile = hosts.WriteHostsFile(workspace.PathOf("hosts.txt"));
        var name = hosts.Hosts[0].Name;
        hosts.Hosts[0].Kill();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", "ssh:" + hostsFile, "--known-hosts", knownHosts);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr.Trim(), Does.StartWith($"blenderfarm: Host {name} cannot be reached: ").And.EndWith("."));
        Assert.That(result.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    private static string Fingerprint(string publicKeyLine) =>
        BlenderFarm.Workers.Ssh.Security.KnownHosts.Fingerprint(Convert.FromBase64String(publicKeyLine.Split(' ')[1].Trim()));
}
