using System.Globalization;
using System.Text.RegularExpressions;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;
using BlenderFarm.Integration.Tests.Support.FakeS3;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// Cloud jobs through the real CLI, real Blender and real sshd on the fake EC2 and the fake S3: the job's files leave
/// this machine once, into S3, and every instance fetches them there; each rendered frame comes back through S3 too.
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
        Assert.That(stored.Keys, Has.All.StartWith("cas/"), "frames are removed from the bucket once they are here");
        Assert.That(s3.BytesFromSdk, Is.EqualTo(stored.Values.Sum()), "each job file left this machine once");
        var joined = ec2.Instances.Count(Fetched);
        Assert.That(joined, Is.GreaterThanOrEqualTo(2), "several instances took part\n" + result.Stderr);
        Assert.That(s3.Calls.Count(c => c == "GetObject (presigned)"), Is.EqualTo(stored.Count * joined), "every instance fetched every file itself, through presigned URLs");
        Assert.That(result.Stderr, Does.Contain($"job files in S3 bucket {bucket}: uploaded {stored.Count} file(s), {stored.Values.Sum()} bytes"));
        var frames = Directory.GetFiles(output);
        Assert.That(frames, Has.Length.EqualTo(8));
        Assert.That(s3.Calls.Count(c => c == "PutObject (presigned)"), Is.GreaterThanOrEqualTo(8), "each frame came back through a presigned PUT");
        Assert.That(s3.BytesFromPresigned, Is.GreaterThanOrEqualTo(frames.Sum(f => new FileInfo(f).Length)));
        Assert.That(s3.Calls.Count(c => c == "GetObject"), Is.EqualTo(s3.Calls.Count(c => c == "PutObject (presigned)")), "the coordinator downloaded each one");
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

    [Test]
    public async Task An_instance_interrupted_right_after_uploading_a_frame_loses_nothing_and_renders_nothing_twice()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        string? uploaded = null;
        string? victim = null;
        s3.AfterPresignedPut = key =>
        {
            if (Interlocked.CompareExchange(ref uploaded, key, null) is not null)
            {
                return;
            }

            // The frame is in S3; its instance gets its notice and dies before curl hears S3's answer, so the
            // coordinator never learns from the instance that the upload worked.
            victim = ec2.Instances.Single(i => i.State == "running").Id;
            ec2.Interrupt(victim, TimeSpan.Zero);
            ec2.Kill(victim);
        };
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-6", "--workers", Workers(ec2, s3, "max-instances=1"), "--output", output, "--job-id", "s3lost");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(victim, Is.Not.Null, "a frame was uploaded");
        var journal = new JournalView(workspace.Cli.Home, "s3lost");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)), "every frame done exactly once");
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(6), "nothing lost, nothing twice in the output");
        var frame = int.Parse(Regex.Match(Path.GetFileName(uploaded!), @"(\d+)\.\w+$").Groups[1].Value, CultureInfo.InvariantCulture);
        var changes = journal.Changes.Where(c => c.Frame == frame).ToList();
        Assert.That(changes.Count(c => c.To == FrameState.Rendering), Is.EqualTo(1), $"frame {frame}, uploaded before its instance died, was rendered once");
        Assert.That(changes.Single(c => c.To == FrameState.Done).Slot, Does.Contain(SlotHostOf(ec2, victim!)), "and delivered from the bucket as that instance's work");
        Assert.That(journal.State.Frames, Has.All.Matches<FrameInfo>(f => f.FailedAttempts == 0), "no frame counted a failed attempt");
        Assert.That(ec2.Instances, Has.Count.GreaterThanOrEqualTo(2), "a replacement finished the job\n" + result.Stderr);
        Assert.That(s3.RefusedRequests, Is.Empty);
        Assert.That(s3.Objects(s3.Buckets.Single()).Keys, Has.All.StartWith("cas/"), "no frame left in the bucket");
        await Poll.UntilAsync(() => ec2.Instances.All(i => i.State == "terminated"), TimeSpan.FromSeconds(20), "every instance is terminated");
    }

    [Test]
    public async Task A_bucket_policy_that_denies_the_frames_fails_them_with_S3s_reason_not_a_hang()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        s3.Deny("PutObject (presigned)");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers", Workers(ec2, s3, "max-instances=1"), "--output", output, "--job-id", "nofra");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stdout + result.Stderr, Does.Contain("could not send frame_0001").And.Contain("S3 answered HTTP 403 AccessDenied (User is not authorized"));
        Assert.That(Directory.Exists(output) ? Directory.GetFiles(output) : [], Is.Empty, "no frame is counted that did not come back");
        await Poll.UntilAsync(() => ec2.Instances.All(i => i.State == "terminated"), TimeSpan.FromSeconds(20), "every instance is terminated");
    }

    [TestCase("ami=ami-0000000000000dead", "The AMI ami-0000000000000dead does not exist")]
    [TestCase("types=p3.2xlarge", "EC2 reports no spot price in this region for p3.2xlarge")]
    public async Task A_wrong_image_or_instance_type_fails_before_any_job_file_leaves_this_machine(string setting, string message)
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers", Workers(ec2, s3, setting), "--output", workspace.PathOf("frames"), "--job-id", "early");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stdout + result.Stderr, Does.Contain(message));
        Assert.That(s3.Calls, Is.Empty, "S3 was not even asked: no bucket made, no byte uploaded");
        Assert.That(ec2.Instances, Is.Empty);
    }

    /// <summary>How the instance's slots are named: USER@ADDRESS:PORT#N.</summary>
    private static string SlotHostOf(FakeEc2 ec2, string instanceId) => "@" + ec2.Instances.Single(i => i.Id == instanceId).Address + ":";

    /// <summary>The instance got as far as fetching the job's files into its cache.</summary>
    private static bool Fetched(FakeInstanceView instance) => Directory.Exists(Path.Combine(instance.Home, ".cache", "blenderfarm", "cache"));

    /// <summary>The test's worker settings; each of <paramref name="overrides"/> ("key=value") replaces the setting of that key.</summary>
    private static string Workers(FakeEc2 ec2, FakeS3 s3, params string[] overrides) => "aws:" + string.Join(',', new[]
    {
        $"endpoint={ec2.ServiceUrl}", $"s3-endpoint={s3.ServiceUrl}", "region=us-east-1", $"user={Environment.UserName}",
        string.Create(CultureInfo.InvariantCulture, $"port={ec2.SshPort}"), "caller-cidr=127.0.0.1/32", $"ami={ImageId}", "types=g4dn.xlarge+g5.xlarge",
        "max-instances=3", "max-cost=5", "tick=0.5", "interruption-poll=0.5", "idle=3", "console-timeout=30", "boot-timeout=60",
    }.Select(s => overrides.FirstOrDefault(o => o.Split('=')[0] == s.Split('=')[0]) ?? s));
}
