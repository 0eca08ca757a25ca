using System.Globalization;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// The bytes that leave the artist's machine for one job on 1, 4 and 16 instances (real sshd hosts on loopback
/// standing for instances, the fake S3 standing for S3), with S3 and with the former SFTP-to-every-instance, and for a
/// resubmission after changing one texture. Counted: object bodies the coordinator sent to S3, job-file bytes the SSH
/// sync still uploads, and the worker script (sent over SFTP to each instance). Results go in docs/benchmarks.md.
/// </summary>
[Category("Benchmark")]
[Category("Ssh")]
[Explicit("a benchmark: run it by name")]
[NonParallelizable]
public sealed class UploadOnceBenchmark
{
    private static readonly long WorkerScriptBytes = new FileInfo(Path.Combine(AppContext.BaseDirectory, "worker.py")) is { Exists: true } f ? f.Length : 7654;

    [Test]
    public async Task Bytes_leaving_the_artists_machine_for_1_4_and_16_instances_and_a_changed_texture()
    {
        using var store = new StoreFixture();
        var files = new List<(string, int, int)> { ("shot.blend", 3_000_000, 1) };
        files.AddRange(Enumerable.Range(1, 8).Select(i => ($"textures/t{i}.png", 250_000 * i, 10 + i)));
        var job = store.Job([.. files]);
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 16);
        var policy = new HostKeyPolicy([hosts.WriteKnownHosts(store.Workspace.PathOf("known_hosts"))], store.Workspace.PathOf("pinned"), acceptNewHostKeys: false);
        var lines = new List<string> { $"job: {job.Files.Count} files, {job.TotalBytes} bytes", "| instances | S3: bytes sent | / one copy | SFTP to each instance: bytes sent | / one copy |", "|---|---|---|---|---|" };

        foreach (var n in new[] { 1, 4, 16 })
        {
            var s3 = await S3RunAsync(store, hosts, policy, job, n);
            var sftp = await SftpRunAsync(hosts, policy, job, n);
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"| {n} | {s3} | {s3 / (double)job.TotalBytes:0.000} | {sftp} | {sftp / (double)job.TotalBytes:0.000} |"));
            TestContext.Out.WriteLine(string.Join('\n', lines));
            lines.Clear();
            Assert.That(s3 / (double)job.TotalBytes, Is.LessThan(1.05), $"{n} instances: within 5% of one copy");
        }

        var content = await store.OpenAsync();
        await content.UploadAsync(job, null, CancellationToken.None);
        var before = store.S3.BytesFromSdk;
        store.Write("textures/t3.png", 750_000, 99);
        var changed = store.Plan(files.Select(f => f.Item1));
        await content.UploadAsync(changed, null, CancellationToken.None);
        var resent = store.S3.BytesFromSdk - before;
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"resubmission after changing textures/t3.png (750000 bytes): {resent} bytes sent ({(resent - 750_000) / 750_000.0:P1} over the texture)"));
        Assert.That(resent, Is.LessThan(750_000 * 1.01));
        TestContext.Out.WriteLine(string.Join('\n', lines));
    }

    /// <summary>Upload once (a fresh bucket per run), every instance fetches from S3, then the SSH sync and the worker script.</summary>
    private static async Task<long> S3RunAsync(StoreFixture store, SshHosts hosts, HostKeyPolicy policy, JobFiles job, int n)
    {
        var bucket = $"bench-{n}-{Guid.NewGuid():N}"[..30];
        await StoreBucket.EnsureAsync(store.Client, bucket, StoreFixture.Owner, store.S3.Region, 1, CancellationToken.None);
        var content = new ContentStore(store.Client, bucket, store.Options, store.Time);
        var before = store.S3.BytesFromSdk;
        await content.UploadAsync(job, null, CancellationToken.None);
        var uploaded = store.S3.BytesFromSdk - before;
        var instances = Instances(hosts, n, "s3");
        await Task.WhenAll(instances.Select(h => InstanceFiles.FetchAsync(h, policy, content, job, CancellationToken.None)));
        var synced = await Task.WhenAll(instances.Select(h => SyncAsync(h, policy, job)));
        return uploaded + synced.Sum() + n * WorkerScriptBytes;
    }

    private static async Task<long> SftpRunAsync(SshHosts hosts, HostKeyPolicy policy, JobFiles job, int n)
    {
        var synced = await Task.WhenAll(Instances(hosts, n, "sftp").Select(h => SyncAsync(h, policy, job)));
        return synced.Sum() + n * WorkerScriptBytes;
    }

    private static async Task<long> SyncAsync(HostSpec host, HostKeyPolicy policy, JobFiles job)
    {
        using var connection = await SshConnection.ConnectAsync(host, policy, CancellationToken.None);
        return (await RemoteJobFolder.SyncAsync(connection, host.WorkFolder!, host.WorkFolder + "/jobs/bench/input", job, CancellationToken.None)).UploadedBytes;
    }

    /// <summary>The first <paramref name="n"/> hosts, each with a fresh work folder (an empty cache) for this run.</summary>
    private static List<HostSpec> Instances(SshHosts hosts, int n, string run) =>
        [.. hosts.Hosts.Take(n).Select(h => new HostSpec(Environment.UserName, h.Address, h.Port, hosts.ClientKey, null, "blender", null,
            Path.Combine(h.WorkFolder, string.Create(CultureInfo.InvariantCulture, $"{run}-{n}"))))];
}
