using System.Diagnostics;
using System.Security.Cryptography;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// A rendered frame's way back from an instance (a real sshd on loopback) through the fake S3: the instance PUTs it to
/// a URL for its own key, the coordinator downloads it and checks it against what Blender reported.
/// </summary>
[Category("Ssh")]
[Category("Aws")]
public sealed class FrameReturnTests
{
    [Test]
    public async Task A_frame_goes_from_the_instance_into_S3_then_here_and_leaves_neither_behind()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);
        var (written, bytes) = RenderedFrame(hosts, 7, 300_000);
        using var frames = new FrameReturn(content, host, policy);
        var local = store.Workspace.PathOf("incoming", "frame_0007.png");

        var sent = await frames.SendAsync(written, CancellationToken.None);
        var inBucket = store.S3.Objects(store.Bucket);
        await frames.ReceiveAsync(sent, local, CancellationToken.None);

        Assert.That(inBucket.Keys, Has.One.Match(@"^frames/[0-9a-f]{32}/frame_0007\.png$"), "the frame was in S3 under a key of its own");
        Assert.That(sent.UploadProblem, Is.Null);
        Assert.That(store.S3.Calls, Has.One.EqualTo("PutObject (presigned)"), "the instance sent it with a presigned URL, no credentials");
        Assert.That(File.ReadAllBytes(local), Is.EqualTo(bytes));
        Assert.That(File.Exists(written.WorkerPath), Is.False, "the instance's copy is removed once S3 has it");
        Assert.That(store.S3.Objects(store.Bucket).Keys, Has.None.StartWith("frames/"), "and the bucket's once it is here");
        Assert.That(store.S3.RefusedRequests, Is.Empty);
    }

    [Test]
    public async Task A_frame_that_is_not_what_Blender_reported_is_refused()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);
        var (written, _) = RenderedFrame(hosts, 3, 1000);
        using var frames = new FrameReturn(content, host, policy);
        var local = store.Workspace.PathOf("incoming", "frame_0003.png");

        var sent = await frames.SendAsync(written with { Sha256 = new string('0', 64) }, CancellationToken.None);
        var error = Assert.ThrowsAsync<IOException>(() => frames.ReceiveAsync(sent, local, CancellationToken.None))!;

        Assert.That(error.Message, Does.Contain("does not match what").And.Contain("rendered (size or SHA-256)"));
        Assert.That(File.Exists(local), Is.False);
    }

    [Test]
    public async Task A_bucket_policy_that_denies_the_frame_is_S3s_reason_not_a_hang_and_the_frame_stays_on_the_instance()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        using var hosts = SshHosts.Start(store.Workspace.PathOf("hosts"), 1);
        var (host, policy) = Instance(hosts, store.Workspace);
        var (written, _) = RenderedFrame(hosts, 1, 1000);
        using var frames = new FrameReturn(content, host, policy);
        store.S3.Deny("presigned");
        var watch = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<IOException>(() => frames.SendAsync(written, CancellationToken.None))!;

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(error.Message, Does.StartWith($"{host.Name} could not send frame_0001.png to S3 bucket {store.Bucket}: S3 answered HTTP 403 AccessDenied (User is not authorized"));
        Assert.That(File.Exists(written.WorkerPath), Is.True);
    }

    [Test]
    public async Task A_frame_URL_opens_only_its_own_key_and_only_for_ten_minutes()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var body = store.Workspace.PathOf("frame.png");
        await File.WriteAllBytesAsync(body, RandomNumberGenerator.GetBytes(1000));
        var url = content.PresignPut("frames/0123/frame_0001.png").AbsoluteUri;

        var tampered = await CurlPutAsync(url.Replace("frame_0001", "frame_0002", StringComparison.Ordinal), body);
        store.S3.Advance(TimeSpan.FromMinutes(9));
        var late = await CurlPutAsync(url, body);
        store.S3.Advance(TimeSpan.FromMinutes(2));
        var expired = await CurlPutAsync(url, body);

        Assert.That(tampered, Does.StartWith("403").And.Contain("<Code>SignatureDoesNotMatch</Code>"), "the signature covers the exact key");
        Assert.That(late, Does.StartWith("200"));
        Assert.That(expired, Does.StartWith("403").And.Contain("Request has expired"));
        Assert.That(url, Does.Match("X-Amz-Expires=(599|600|601)&"), "ten minutes, as the SDK rounds the seconds between the clock and the expiry");
        Assert.That(store.S3.Objects(store.Bucket).Keys, Has.Member("frames/0123/frame_0001.png").And.None.Contains("frame_0002"));
    }

    /// <summary>A frame as an instance's Blender leaves it: a file in the host's work folder, and what the worker reported.</summary>
    private static (FrameWritten Written, byte[] Bytes) RenderedFrame(SshHosts hosts, int frame, int size)
    {
        var path = Path.Combine(hosts.Hosts[0].WorkFolder, "frames", "gpu0", $"frame_{frame:0000}.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = RandomNumberGenerator.GetBytes(size);
        File.WriteAllBytes(path, bytes);
        return (new FrameWritten(frame, path, 1.5, size, Convert.ToHexStringLower(SHA256.HashData(bytes))), bytes);
    }

    private static (HostSpec Host, HostKeyPolicy Policy) Instance(SshHosts hosts, Workspace workspace)
    {
        var h = hosts.Hosts[0];
        var spec = new HostSpec(Environment.UserName, h.Address, h.Port, hosts.ClientKey, null, "blender", null, h.WorkFolder);
        return (spec, new HostKeyPolicy([hosts.WriteKnownHosts(workspace.PathOf("known_hosts"))], workspace.PathOf("pinned"), acceptNewHostKeys: false));
    }

    /// <summary>"STATUS BODY" of a PUT with curl, as an instance would make it.</summary>
    private static async Task<string> CurlPutAsync(string url, string file)
    {
        using var curl = Process.Start(new ProcessStartInfo("curl", ["-sS", "-T", file, "-w", "%{http_code} ", "-o", "/dev/stderr", url]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var status = await curl.StandardOutput.ReadToEndAsync();
        var answer = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        return status + answer;
    }
}
