using System.Security.Cryptography;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// A host fetching the job from the first host of its network (real sshd for both, the host's own OpenSSH client):
/// it keeps only files whose SHA-256 matches, trusts only the seed's key this machine checked, and gets whatever it
/// could not fetch from this machine.
/// </summary>
[Category("Ssh")]
public sealed class PeerFetchTests
{
    [Test]
    public async Task A_file_the_seed_serves_with_other_content_is_refused_and_sent_from_this_machine()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var (seed, peer, policy) = Specs(workspace, hosts);
        var job = Job(workspace, ("shot.blend", 300_000), ("tex/wood.png", 100_000));
        await SyncAsync(seed, policy, job, null);
        var stale = Path.Combine(hosts.Hosts[1].WorkFolder, "peer-keys", "20200101000000-crashed");
        Directory.CreateDirectory(stale);
        await using var share = await PeerShare.OpenAsync(seed, policy, hosts.Hosts[0].WorkFolder, job, TimeProvider.System, CancellationToken.None);
        File.WriteAllBytes(Path.Combine(share.Folder, job.Files[1].Sha256), RandomNumberGenerator.GetBytes(100_000)); // the seed's copy went bad

        var warnings = new List<string>();
        var result = await SyncAsync(peer, policy, job, share, warnings.Add);

        Assert.That(result, Is.EqualTo(new SyncResult(1, 100_000, 1, 300_000)), "the .blend came from the seed, the texture from this machine");
        Assert.That(warnings, Has.Count.EqualTo(1).And.Some.Contain("1 file(s) did not come").And.Some.Contain("sending 1 file(s) from this machine"));
        AssertHolds(hosts.Hosts[1], job);
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(hosts.Hosts[1].WorkFolder, "peer-keys")), Is.Empty, "its key is deleted, and the one a crashed run left");
    }

    [Test]
    public async Task A_host_answering_at_the_seeds_address_with_another_host_key_gets_nothing_and_the_job_comes_from_this_machine()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var (seed, peer, policy) = Specs(workspace, hosts);
        // The peers are told to reach the seed where another machine answers (the peer itself, with its own host key),
        // and that machine lets the peer's key in and sees the seed's files: only the pinned host key stops the fetch.
        seed = seed with { PeerAddress = (hosts.Hosts[1].Address, hosts.Hosts[1].Port), AuthorizedKeysFile = hosts.Hosts[1].AuthorizedKeysFile };
        var job = Job(workspace, ("shot.blend", 200_000));
        await SyncAsync(seed, policy, job, null);
        await using var share = await PeerShare.OpenAsync(seed, policy, hosts.Hosts[0].WorkFolder, job, TimeProvider.System, CancellationToken.None);

        var warnings = new List<string>();
        var result = await SyncAsync(peer, policy, job, share, warnings.Add);

        Assert.That(result, Is.EqualTo(new SyncResult(1, 200_000, 0, 0)));
        Assert.That(warnings, Has.Some.Contain("Host key verification failed"));
        AssertHolds(hosts.Hosts[1], job);
    }

    private static (HostSpec Seed, HostSpec Peer, HostKeyPolicy Policy) Specs(Workspace workspace, SshHosts hosts)
    {
        var (specs, policy) = hosts.OnOneNetwork(workspace.Root);
        return (specs[0], specs[1], policy);
    }

    private static async Task<SyncResult> SyncAsync(HostSpec host, HostKeyPolicy policy, JobFiles job, PeerShare? share, Action<string>? warn = null)
    {
        using var connection = await SshConnection.ConnectAsync(host, policy, CancellationToken.None);
        return await RemoteJobFolder.SyncAsync(connection, host.WorkFolder!, host.WorkFolder + "/jobs/j/input", job, CancellationToken.None, share, TimeProvider.System, warn);
    }

    private static void AssertHolds(SshHosts.Host host, JobFiles job)
    {
        foreach (var file in job.Files)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(host.WorkFolder, "jobs", "j", "input", file.RelativePath)), Is.EqualTo(File.ReadAllBytes(file.LocalPath)), file.RelativePath);
        }
    }

    private static JobFiles Job(Workspace workspace, params (string Path, int Bytes)[] files) => RandomJob.Make(workspace, "job", files);
}
