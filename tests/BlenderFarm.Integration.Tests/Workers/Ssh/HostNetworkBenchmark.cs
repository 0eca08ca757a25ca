using System.Diagnostics;
using System.Globalization;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// The job-file bytes that leave this machine for one job on 1, 4 and 16 SSH hosts (real sshd on loopback), each
/// host on its own and all on one network (the first gets the job over SFTP, the others fetch it from it).
/// The worker script (about 7 KB per host) is not counted here; the render tests count it. Results go in docs/benchmarks.md.
/// </summary>
[Category("Benchmark")]
[Category("Ssh")]
[Explicit("a benchmark: run it by name")]
[NonParallelizable]
public sealed class HostNetworkBenchmark
{
    [Test]
    public async Task Job_bytes_sent_for_1_4_and_16_hosts_alone_and_on_one_network()
    {
        using var workspace = new Workspace();
        var files = new List<(string, int)> { ("shot.blend", 3_000_000) };
        files.AddRange(Enumerable.Range(1, 8).Select(i => ($"textures/t{i}.png", 250_000 * i)));
        var job = RandomJob.Make(workspace, "job", [.. files]);
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 16);
        var (specs, policy) = hosts.OnOneNetwork(workspace.Root);
        var lines = new List<string>
        {
            $"job: {job.Files.Count} files, {job.TotalBytes} bytes",
            "| hosts | alone: bytes sent | / one copy | one network: bytes sent | / one copy | fetched inside the network | time |",
            "|---|---|---|---|---|---|---|",
        };

        foreach (var n in new[] { 1, 4, 16 })
        {
            var alone = await Task.WhenAll(Fresh(specs, n, "alone").Select(h => SyncAsync(h, policy, job, null)));
            var clock = Stopwatch.StartNew();
            var network = Fresh(specs, n, "network");
            var seed = await SyncAsync(network[0], policy, job, null);
            var peers = Array.Empty<SyncResult>();
            if (n > 1)
            {
                await using var share = await PeerShare.OpenAsync(network[0], policy, network[0].WorkFolder!, job, TimeProvider.System, CancellationToken.None);
                peers = await Task.WhenAll(network.Skip(1).Select(h => SyncAsync(h, policy, job, share)));
            }

            var sentAlone = alone.Sum(r => r.UploadedBytes);
            var sentNetwork = seed.UploadedBytes + peers.Sum(r => r.UploadedBytes);
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {sentAlone} | {sentAlone / (double)job.TotalBytes:0.000} | {sentNetwork} | {sentNetwork / (double)job.TotalBytes:0.000} | {peers.Sum(r => r.FetchedBytes)} | {clock.Elapsed.TotalSeconds:0.0} s |"));
            Assert.That(sentNetwork, Is.EqualTo(job.TotalBytes), $"{n} hosts on one network: one copy");
            Assert.That(sentAlone, Is.EqualTo(n * job.TotalBytes), $"{n} hosts alone: {n} copies");
        }

        TestContext.Out.WriteLine(string.Join('\n', lines));
    }

    private static async Task<SyncResult> SyncAsync(HostSpec host, HostKeyPolicy policy, JobFiles job, PeerShare? share)
    {
        using var connection = await SshConnection.ConnectAsync(host, policy, CancellationToken.None);
        return await RemoteJobFolder.SyncAsync(connection, host.WorkFolder!, host.WorkFolder + "/jobs/bench/input", job, CancellationToken.None, share, TimeProvider.System,
            warning => Assert.Fail(warning));
    }

    /// <summary>The first <paramref name="n"/> hosts, each with a fresh work folder (an empty cache) for this run.</summary>
    private static List<HostSpec> Fresh(IReadOnlyList<HostSpec> specs, int n, string run) =>
        [.. specs.Take(n).Select(h => h with { WorkFolder = Path.Combine(h.WorkFolder!, string.Create(CultureInfo.InvariantCulture, $"{run}-{n}")) })];
}
