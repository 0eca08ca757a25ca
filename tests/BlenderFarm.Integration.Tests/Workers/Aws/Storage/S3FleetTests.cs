using System.Globalization;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;
using BlenderFarm.Integration.Tests.Support.FakeS3;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// Cloud jobs through the real CLI, real Blender and real sshd on the fake EC2 and the fake S3: the job's files leave
/// this machine once, into S3, and every instance fetches them there.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
[Category("Aws")]
[NonParallelizable]
public sealed class S3FleetTests
{
    private const string ImageId = "ami-0b1e4de4f00000001";

    [Test]
    public async Task A_cloud_job_uploads_its_files_once_and_every_instance_fetches_them_from_S3()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-8", "--workers", Workers(ec2, s3), "--output", output, "--job-id", "s3job");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var journal = new JournalView(workspace.Cli.Home, "s3job");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 8).ToDictionary(f => f, _ => 1)), "every frame done exactly once");
        Assert.That(s3.RefusedRequests, Is.Empty, "every S3 request matches the model and is signed right");
        Assert.That(ec2.RefusedRequests, Is.Empty);
        var bucket = s3.Buckets.Single();
        var stored = s3.Objects(bucket);
        Assert.That(stored.Keys, Has.All.StartWith("cas/"));
        Assert.That(s3.BytesFromSdk, Is.EqualTo(stored.Values.Sum()), "each job file left this machine once");
        var joined = ec2.Instances.Count(Fetched);
        Assert.That(joined, Is.GreaterThanOrEqualTo(2), "several instances took part\n" + result.Stderr);
        Assert.That(s3.Calls.Count(c => c == "GetObject (presigned)"), Is.EqualTo(stored.Count * joined), "every instance fetched every file itself, through presigned URLs");
        Assert.That(result.Stderr, Does.Contain($"job files in S3 bucket {bucket}: uploaded {stored.Count} file(s), {stored.Values.Sum()} bytes"));
        Assert.That(ec2.Instances.All(i => i.State is "terminated" or "shutting-down"), Is.True, "nothing left running");
    }

    [Test]
    public async Task A_bucket_policy_that_denies_the_instances_ends_the_job_with_S3s_reason()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        s3.Deny("presigned");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-4", "--workers", Workers(ec2, s3), "--output", workspace.PathOf("frames"), "--job-id", "denied");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stdout + result.Stderr, Does.Contain("could not fetch the job's files from S3 bucket").And.Contain("S3 answered HTTP 403 AccessDenied (User is not authorized"));
        await Poll.UntilAsync(() => ec2.Instances.All(i => i.State == "terminated"), TimeSpan.FromSeconds(20), "every instance is terminated");
    }

    /// <summary>The instance got as far as fetching the job's files into its cache.</summary>
    private static bool Fetched(FakeInstanceView instance) => Directory.Exists(Path.Combine(instance.Home, ".cache", "blenderfarm", "cache"));

    private static string Workers(FakeEc2 ec2, FakeS3 s3) => string.Join(',', new[]
    {
        $"aws:endpoint={ec2.ServiceUrl}", $"s3-endpoint={s3.ServiceUrl}", "region=us-east-1", $"user={Environment.UserName}",
        string.Create(CultureInfo.InvariantCulture, $"port={ec2.SshPort}"), "caller-cidr=127.0.0.1/32", $"ami={ImageId}", "types=g4dn.xlarge+g5.xlarge",
        "max-instances=3", "max-cost=5", "tick=0.5", "interruption-poll=0.5", "idle=3", "console-timeout=30", "boot-timeout=60",
    });
}
