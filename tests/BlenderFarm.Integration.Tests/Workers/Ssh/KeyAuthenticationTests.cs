using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Private keys in OpenSSH format, ED25519 and RSA, with a passphrase from the environment that is never shown.</summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class KeyAuthenticationTests
{
    private const string Passphrase = "correct horse $battery 'staple'";

    [Test]
    public async Task An_RSA_key_with_a_passphrase_from_the_environment_works_and_the_passphrase_is_never_printed()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var host = hosts.Hosts[0];
        var key = workspace.PathOf("farm rsa");
        SshHosts.Run("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", Passphrase, "-f", key);
        host.Authorize(key + ".pub");
        var hostsFile = workspace.PathOf("hosts.txt");
        await File.WriteAllTextAsync(hostsFile, $"{host.Name} key=\"{key}\" passphrase-env=FARM_KEY_PASSPHRASE dir=\"{host.WorkFolder}\"\n");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        workspace.Cli.Environment["FARM_KEY_PASSPHRASE"] = Passphrase;

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1", "--workers", "ssh:" + hostsFile,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", workspace.PathOf("out"), "--job-id", "rsa");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.Exists(workspace.PathOf("out", "frame_0001.png")), Is.True);
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain("horse"), "the passphrase never appears in output");
        var journal = File.ReadAllBytes(Path.Combine(workspace.Cli.Home, "jobs", "rsa", "journal.bfj"));
        Assert.That(System.Text.Encoding.UTF8.GetString(journal), Does.Not.Contain("horse"), "nor in the journal");
    }

    [Test]
    public async Task A_key_that_needs_a_passphrase_without_one_is_one_clear_sentence()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var host = hosts.Hosts[0];
        var key = workspace.PathOf("locked");
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", Passphrase, "-f", key);
        host.Authorize(key + ".pub");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--host", host.Name, "--identity", key,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr.Trim(), Is.EqualTo(
            $"blenderfarm: The key file {key} for {host.Name} is protected by a passphrase: put it in an environment variable and name it with passphrase-env=VARIABLE."));
    }

    [Test]
    public async Task A_key_the_host_does_not_accept_is_refused_naming_host_key_and_user()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var host = hosts.Hosts[0];
        var stranger = workspace.PathOf("stranger");
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--host", host.Name, "--identity", stranger,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr.Trim(), Is.EqualTo($"blenderfarm: Host {host.Name} refused the key {stranger} for user {Environment.UserName}."));
    }
}
