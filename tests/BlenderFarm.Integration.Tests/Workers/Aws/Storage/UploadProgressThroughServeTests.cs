using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;
using BlenderFarm.Integration.Tests.Support.FakeS3;
using BlenderFarm.Protocol;
using StreamJsonRpc;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// The add-on's view of an AWS job's upload, end to end: a client of a real <c>blenderfarm serve</c> submits a job on
/// the fake EC2 and fake S3 and hears <c>job.preparing</c> while the job's files go up, before <c>job.submit</c> replies.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
[Category("Aws")]
[NonParallelizable]
public sealed class UploadProgressThroughServeTests
{
    [Test]
    public async Task A_client_of_serve_hears_the_upload_climb_to_its_total_before_the_job_starts()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        var texture = workspace.PathOf("scene", "textures", "noise.png");
        Directory.CreateDirectory(Path.GetDirectoryName(texture)!);
        await File.WriteAllBytesAsync(texture, RandomNumberGenerator.GetBytes(4 << 20));
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "noisy.blend"), new { texture, end = 2 });
        Directory.CreateDirectory(workspace.Cli.Home);
        await File.WriteAllLinesAsync(Path.Combine(workspace.Cli.Home, "aws.conf"), Settings(ec2, s3));
        using var farm = await Support.Farm.StartAsync(workspace, 1);
        var heard = new Heard();
        using var rpc = await ConnectAsync(workspace.Cli.Home, heard);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var reply = await rpc.InvokeWithParameterObjectAsync<SubmitReply>(Methods.JobSubmit, new SubmitRequest
        {
            JobFolder = Path.GetDirectoryName(scene)!,
            BlendFile = Path.GetFileName(scene),
            Frames = "1-2",
            Workers = new WorkersInfo { Kind = WorkersKind.Aws },
            OutputFolder = workspace.PathOf("frames"),
        }, patience.Token);
        var beforeReply = heard.Snapshot();

        try
        {
            var uploads = beforeReply.OfType<JobPreparingInfo>().Select(p => p.Upload!).ToList();
            var total = new FileInfo(scene).Length + new FileInfo(texture).Length;
            Assert.That(uploads, Has.Count.GreaterThanOrEqualTo(2), "the first bytes sent and the end are both reported\n" + farm.Stderr);
            Assert.That(beforeReply.OfType<JobPreparingInfo>().Select(p => p.JobId), Has.All.EqualTo(reply.JobId), "under the id job.submit then answers");
            Assert.That(uploads.Select(u => u.TotalBytes), Has.All.EqualTo(total), "the .blend and its texture");
            var sent = uploads.Select(u => u.SentBytes).ToList();
            Assert.That(sent, Is.Ordered.Ascending, "the bytes sent never go back");
            Assert.That(sent[0], Is.LessThan(total), "a report while the upload runs");
            Assert.That(sent[^1], Is.EqualTo(total), "the last report is the whole upload");
            Assert.That(s3.BytesFromSdk, Is.EqualTo(total), "what S3 received");
            Assert.That(beforeReply.TakeWhile(n => n is JobPreparingInfo).Count(), Is.EqualTo(uploads.Count),
                "no job.progress before the upload ended: " + string.Join(", ", beforeReply.Select(n => n.GetType().Name)));
            Assert.That(s3.RefusedRequests, Is.Empty);
        }
        finally
        {
            await rpc.InvokeWithParameterObjectAsync<JobStatusInfo>(Methods.JobCancel, new JobRequest { JobId = reply.JobId }, patience.Token);
            await Poll.UntilAsync(() => ec2.Instances.All(i => i.State is "terminated" or "shutting-down"), TimeSpan.FromSeconds(60), "every instance is terminated");
        }

        Assert.That(heard.Snapshot().OfType<JobPreparingInfo>().Count(), Is.EqualTo(beforeReply.OfType<JobPreparingInfo>().Count()), "nothing about the upload once the job runs");
    }

    private static async Task<JsonRpc> ConnectAsync(string home, Heard heard)
    {
        using var endpoint = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, "run", "endpoint.json")));
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.RootElement.GetProperty("path").GetString()!));
        var rpc = RpcConnection.Create(new NetworkStream(socket, ownsSocket: true));
        rpc.AddLocalRpcTarget(heard, RpcConnection.TargetOptions);
        rpc.StartListening();
        await rpc.InvokeWithParameterObjectAsync<HandshakeReply>(Methods.Handshake, new HandshakeRequest { ProtocolVersion = ProtocolInfo.Version, Client = "test" });
        return rpc;
    }

    /// <summary>The aws.conf a user would write for the fake EC2 and fake S3 (job.submit's workers name only the kind).</summary>
    private static IEnumerable<string> Settings(FakeEc2 ec2, FakeS3 s3) =>
    [
        $"endpoint={ec2.ServiceUrl}", $"s3-endpoint={s3.ServiceUrl}", "region=us-east-1", $"user={Environment.UserName}",
        string.Create(CultureInfo.InvariantCulture, $"port={ec2.SshPort}"), "caller-cidr=127.0.0.1/32", "ami=ami-0b1e4de4f00000001",
        "types=g4dn.xlarge", "max-instances=1", "max-cost=5", "tick=0.5", "interruption-poll=0.5", "idle=3", "console-timeout=30", "boot-timeout=60",
    ];

    /// <summary>The notifications the client hears, in the order they arrive.</summary>
    public sealed class Heard
    {
        private readonly Lock _lock = new();
        private readonly List<object> _heard = [];

        [JsonRpcMethod(Notifications.JobPreparing, UseSingleObjectParameterDeserialization = true)]
        public void Preparing(JobPreparingInfo info) => Add(info);

        [JsonRpcMethod(Notifications.JobProgress, UseSingleObjectParameterDeserialization = true)]
        public void Progress(JobStatusInfo info) => Add(info);

        [JsonRpcMethod(Notifications.FrameDone, UseSingleObjectParameterDeserialization = true)]
        public void FrameDone(FrameDoneInfo info) => Add(info);

        public IReadOnlyList<object> Snapshot()
        {
            lock (_lock)
            {
                return [.. _heard];
            }
        }

        private void Add(object notification)
        {
            lock (_lock)
            {
                _heard.Add(notification);
            }
        }
    }
}
