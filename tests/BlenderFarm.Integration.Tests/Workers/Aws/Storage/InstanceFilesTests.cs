using System.Diagnostics;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// A host (real sshd on loopback, standing for an instance) fetches its job's files from the fake S3 with curl and
/// presigned URLs: no credentials on it, each URL opens one object until it expires, and a refusal is S3's reason in
/// one sentence within seconds.
/// </summary>
[Category("Aws")]
[Category("Ssh")]
public sealed class InstanceFilesTests
{
    [Test]
    public async Task An_instance_fetches_its_job_files_from_S3_and_the_ssh_sync_then_sends_nothing()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 400_000, 1), ("textures/wood.png", 90_000, 2), ("textures/metal.png", 70_000, 3));
        await content.UploadAsync(job, null, CancellationToken.None);
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);

        var fetched = await InstanceFiles.FetchAsync(host, policy, content, job, CancellationToken.None);
        var again = await InstanceFiles.FetchAsync(host, policy, content, job, CancellationToken.None);
        using var connection = await SshConnection.ConnectAsync(host, policy, CancellationToken.None);
        var synced = await RemoteJobFolder.SyncAsync(connection, host.WorkFolder!, host.WorkFolder + "/jobs/j/input", job, CancellationToken.None);

        Assert.That(store.S3.RefusedRequests, Is.Empty);
        Assert.That(fetched, Is.EqualTo((3, 560_000L)), "each object once, from S3");
        Assert.That(again, Is.EqualTo((0, 0L)), "what the instance has is not fetched again");
        Assert.That(synced, Is.EqualTo(new SyncResult(0, 0, 0, 0)), "the SSH sync finds every file in the host's cache and uploads none");
        Assert.That(store.S3.Calls.Count(c => c == "GetObject (presigned)"), Is.EqualTo(3));
        Assert.That(store.S3.BytesToPresigned, Is.EqualTo(560_000));
        foreach (var file in job.Files)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(host.WorkFolder!, "jobs", "j", "input", file.RelativePath)), Is.EqualTo(File.ReadAllBytes(file.LocalPath)), file.RelativePath);
        }
    }

    [Test]
    public async Task A_presigned_url_opens_exactly_its_object_until_it_expires()
    {
        using var store = new StoreFixture(new StorageOptions { UrlLifetime = TimeSpan.FromMinutes(15) });
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 1000, 1), ("secret.png", 1000, 2));
        await content.UploadAsync(job, null, CancellationToken.None);
        var url = content.PresignGet(job.Files[0].Sha256).AbsoluteUri;
        var otherKey = url.Replace(job.Files[0].Sha256, job.Files[1].Sha256, StringComparison.Ordinal);

        var ok = await CurlAsync(url);
        var tampered = await CurlAsync(otherKey);
        store.S3.Advance(TimeSpan.FromMinutes(14));
        var late = await CurlAsync(url);
        store.S3.Advance(TimeSpan.FromMinutes(2));
        var expired = await CurlAsync(url);

        Assert.That(ok, Does.StartWith("200"));
        Assert.That(tampered, Does.StartWith("403").And.Contain("<Code>SignatureDoesNotMatch</Code>"), "the signature covers the exact key");
        Assert.That(late, Does.StartWith("200"), "valid until its lifetime is over");
        Assert.That(expired, Does.StartWith("403").And.Contain("Request has expired"));
        Assert.That(url, Does.Not.Contain(store.S3.SecretKey.Replace("/", "%2F", StringComparison.Ordinal)).And.Match("X-Amz-Expires=90[01]&"), "the URL carries a signature, never the secret, and lives 15 minutes");
    }

    [Test]
    public async Task A_bucket_policy_that_denies_the_instance_stops_with_S3s_reason_not_a_hang()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 1000, 1));
        await content.UploadAsync(job, null, CancellationToken.None);
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);
        store.S3.Deny("presigned");
        var watch = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<JobFilesUnavailableException>(() => InstanceFiles.FetchAsync(host, policy, content, job, CancellationToken.None))!;

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(error.Message, Does.StartWith($"{host.Name} could not fetch the job's files from S3 bucket {store.Bucket}: {job.Files[0].Sha256}: S3 answered HTTP 403 AccessDenied (User is not authorized"));
    }

    [Test]
    public async Task An_unreachable_S3_endpoint_stops_with_curls_reason()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 1000, 1));
        await content.UploadAsync(job, null, CancellationToken.None);
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);
        store.S3.Dispose();

        var error = Assert.ThrowsAsync<JobFilesUnavailableException>(() => InstanceFiles.FetchAsync(host, policy, content, job, CancellationToken.None))!;

        Assert.That(error.Message, Does.Contain("S3 could not be reached: curl: (7)"));
    }

    private static (HostSpec Host, HostKeyPolicy Policy) Instance(SshHosts hosts, Workspace workspace)
    {
        var h = hosts.Hosts[0];
        var spec = new HostSpec(Environment.UserName, h.Address, h.Port, hosts.ClientKey, null, "blender", null, h.WorkFolder);
        return (spec, new HostKeyPolicy([hosts.WriteKnownHosts(workspace.PathOf("known_hosts"))], workspace.PathOf("pinned"), acceptNewHostKeys: false));
    }

    /// <summary>"STATUS BODY" of a GET with curl, as an instance would make it.</summary>
    private static async Task<string> CurlAsync(string url)
    {
        using var curl = Process.Start(new ProcessStartInfo("curl", ["-sS", "-w", "%{http_code} ", "-o", "/dev/stderr", url]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var status = await curl.StandardOutput.ReadToEndAsync();
        var body = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        return status + body;
    }
}
