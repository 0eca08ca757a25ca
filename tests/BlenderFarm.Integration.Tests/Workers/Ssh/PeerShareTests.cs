using System.Diagnostics;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// What a peer's key can do on the seed of its network: read this job's files by their SHA-256, nothing else, and
/// nothing at all once the share is closed. The peer here is this process's OpenSSH client, as on a real host; the
/// seed is a real sshd, also with a login shell that parses quotes its own way.
/// </summary>
[Category("Ssh")]
public sealed class PeerShareTests
{
    [TestCase(null)]
    [TestCase("/usr/bin/fish")]
    [TestCase("/usr/bin/tcsh")]
    [TestCase("/usr/bin/zsh")]
    public async Task A_peer_key_reads_only_this_jobs_files_and_nothing_once_the_share_closes_when_the_seeds_login_shell_is(string? shell)
    {
        var user = shell is null ? null : TestUsers.WithLoginShell(shell);
        using var workspace = new Workspace();
        using var seed = await SeedAsync(workspace, user);
        var job = Job(workspace, "job", ("shot.blend", 200_000), ("tex/a b.png", 50_000));
        var other = Job(workspace, "other", ("secret.blend", 1_000));
        await seed.SyncAsync(other);
        await seed.SyncAsync(job);
        var share = await PeerShare.OpenAsync(seed.Spec, seed.Policy, seed.Host.WorkFolder, job, TimeProvider.System, CancellationToken.None);
        var peer = PeerKey(workspace, share);
        await share.AuthorizeAsync(File.ReadAllText(peer.Key + ".pub"), CancellationToken.None);

        var asked = string.Join('\n', job.Files.Select(f => f.Sha256).Append(other.Files[0].Sha256).Append("../cache/" + other.Files[0].Sha256).Append("/etc/passwd")) + "\n";
        var (code, tar) = await peer.SshAsync(asked);
        var listed = TarList(workspace, tar);
        var (commandCode, commandOutput) = await peer.SshAsync("", "echo pwned; cat /etc/passwd");
        var (forwardCode, _) = await peer.SshAsync("", null, "-W", $"{seed.Host.Address}:{seed.Host.Port}");

        Assert.That(code, Is.Zero);
        Assert.That(listed, Is.EquivalentTo(job.Files.Select(f => f.Sha256)), "this job's files and nothing else (not another job's, not a path)");
        Assert.That(System.Text.Encoding.Latin1.GetString(commandOutput), Does.Not.Contain("pwned").And.Not.Contain("root:"), "the peer's command is never run");
        Assert.That(forwardCode, Is.Not.Zero, "the key cannot forward connections");

        await share.DisposeAsync();
        var (afterCode, afterOutput) = await peer.SshAsync(job.Files[0].Sha256 + "\n");
        Assert.That(afterCode, Is.EqualTo(255), "the seed no longer lets the key in");
        Assert.That(afterOutput, Is.Empty);
        Assert.That(File.ReadAllText(seed.Host.AuthorizedKeysFile), Does.Not.Contain(PeerShare.Marker));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(seed.Host.WorkFolder, "peer-share")), Is.Empty);
    }

    [Test]
    public async Task Opening_a_share_removes_what_expired_shares_left_on_the_seed_and_keeps_the_users_keys_and_live_shares()
    {
        using var workspace = new Workspace();
        using var seed = await SeedAsync(workspace, null);
        var job = Job(workspace, "job", ("shot.blend", 1_000));
        await seed.SyncAsync(job);
        var own = File.ReadAllText(seed.Host.AuthorizedKeysFile).TrimEnd('\n');
        var expired = $"restrict,command=\"true\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkXDmeuv9gKqPk5Z6Ym3oMbWuEBWXJwGxQpJrJE6CEz {PeerShare.Marker}:old:20200101000000";
        var live = $"restrict,command=\"true\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBkXDmeuv9gKqPk5Z6Ym3oMbWuEBWXJwGxQpJrJE6CEa {PeerShare.Marker}:live:29991231000000";
        File.WriteAllText(seed.Host.AuthorizedKeysFile, $"{own}\n{expired}\n{live}"); // no newline at the end: the next line must not be glued to it
        var stale = Path.Combine(seed.Host.WorkFolder, "peer-share", "20200101000000-old");
        var running = Path.Combine(seed.Host.WorkFolder, "peer-share", "29991231000000-live");
        Directory.CreateDirectory(stale);
        Directory.CreateDirectory(running);

        var share = await PeerShare.OpenAsync(seed.Spec, seed.Policy, seed.Host.WorkFolder, job, TimeProvider.System, CancellationToken.None);
        var peer = PeerKey(workspace, share);
        await share.AuthorizeAsync(File.ReadAllText(peer.Key + ".pub"), CancellationToken.None);
        var during = File.ReadAllLines(seed.Host.AuthorizedKeysFile);
        await share.DisposeAsync();

        Assert.That(during, Has.Length.EqualTo(3));
        Assert.That(during[..2], Is.EqualTo(new[] { own, live }), "the expired line is gone, the user's key and a live share's are kept");
        Assert.That(during[2], Does.StartWith("restrict,expiry-time=").And.EndWith($"{PeerShare.Marker}:{share.Id}:{share.Expiry}"));
        Assert.That(File.ReadAllLines(seed.Host.AuthorizedKeysFile), Is.EqualTo(new[] { own, live }));
        Assert.That(Directory.Exists(stale), Is.False);
        Assert.That(Directory.Exists(running), Is.True);
    }

    private static JobFiles Job(Workspace workspace, string name, params (string Path, int Bytes)[] files) => RandomJob.Make(workspace, name, files);

    private static async Task<Seed> SeedAsync(Workspace workspace, string? user)
    {
        var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1, user: user);
        var host = hosts.Hosts[0];
        if (user is not null)
        {
            SshHosts.Run("chown", user, host.AuthorizedKeysFile);
        }

        var (specs, policy) = hosts.OnOneNetwork(workspace.Root);
        var connection = await SshConnection.ConnectAsync(specs[0], policy, CancellationToken.None);
        return new Seed(hosts, specs[0], policy, connection);
    }

    private static Peer PeerKey(Workspace workspace, PeerShare share)
    {
        var folder = workspace.PathOf("peer-" + share.Id);
        Directory.CreateDirectory(folder);
        var key = Path.Combine(folder, "key");
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "peer", "-f", key);
        File.WriteAllText(Path.Combine(folder, "known_hosts"), share.KnownHostsLine + "\n");
        return new Peer(key, Path.Combine(folder, "known_hosts"), share);
    }

    private static string[] TarList(Workspace workspace, byte[] tar)
    {
        var file = workspace.PathOf("fetched.tar");
        File.WriteAllBytes(file, tar);
        return SshHosts.Run("tar", "-tf", file).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private sealed record Seed(SshHosts Hosts, HostSpec Spec, HostKeyPolicy Policy, SshConnection Connection) : IDisposable
    {
        public SshHosts.Host Host => Hosts.Hosts[0];

        public Task SyncAsync(JobFiles job) =>
            RemoteJobFolder.SyncAsync(Connection, Host.WorkFolder, Host.WorkFolder + "/jobs/" + Path.GetFileNameWithoutExtension(job.BlendRelativePath) + "/input", job, CancellationToken.None);

        public void Dispose()
        {
            Connection.Dispose();
            Hosts.Dispose();
        }
    }

    /// <summary>A peer's key and pinned seed key, used with this machine's OpenSSH client as PeerFetch uses the host's.</summary>
    private sealed record Peer(string Key, string KnownHosts, PeerShare Share)
    {
        public async Task<(int Code, byte[] Output)> SshAsync(string input, string? command = "fetch", params string[] extra)
        {
            var (host, port) = Share.Address;
            var start = new ProcessStartInfo("ssh")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in (string[])["-F", "/dev/null", "-T", "-i", Key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", $"UserKnownHostsFile={KnownHosts}", "-o", "HostKeyAlias=blenderfarm-seed", "-o", "ConnectTimeout=10", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-l", Share.Seed.User, .. extra, host, .. command is null ? Array.Empty<string>() : [command]])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await Task.WhenAll(copy, error, process.WaitForExitAsync(deadline.Token));
            TestContext.Out.WriteLine($"ssh {command}: exit {process.ExitCode}, {output.Length} bytes, {await error}");
            return (process.ExitCode, output.ToArray());
        }
    }
}
