using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// Jobs rendered on spot instances of the fake EC2 through the real CLI: real Blender on each instance, reached over
/// real sshd on loopback. Each test checks what a user would: frames, the bill, and that nothing is left running.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
[NonParallelizable]
public sealed partial class SpotFleetTests
{
    private const string ImageId = "ami-0b1e4de4f00000001";

    [Test]
    public async Task A_job_renders_on_three_spot_instances_and_leaves_nothing_behind()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "mount-command=touch \"$HOME/storage mounted\""), "--output", output, "--job-id", "spot3");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var expected = Enumerable.Range(1, 12).Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        Assert.That(Directory.GetFileSystemEntries(output).Order(), Is.EqualTo(expected));
        var decoded = await Support.Blender.DecodeAsync(expected);
        Assert.That(expected.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 64 && d.Height == 48));
        var journal = new JournalView(workspace.Cli.Home, "spot3");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)), "every frame done exactly once");

        var instances = fake.Instances;
        Assert.That(fake.RefusedRequests, Is.Empty, "every request was well formed and every instance booted");
        Assert.That(instances, Has.Count.EqualTo(3), "three instances launched\n" + result.Stderr);
        var owner = File.ReadAllText(workspace.PathOf("home", "aws", "owner-id")).Trim();
        Assert.That(instances.Select(i => i.Tags.GetValueOrDefault("blenderfarm:farm")).Distinct().ToList(),
            Has.Count.EqualTo(1).And.All.Matches($"^{System.Text.RegularExpressions.Regex.Escape(owner)}-[0-9a-f]{{12}}$"),
            "one farm, named after this installation's owner id and a random part, not after the job");
        Assert.That(Calls(fake, "GetConsoleOutput"), Is.Zero, "each host key was handed to its instance at launch: no console output was waited for");
        Assert.That(instances.Select(i => i.UserData), Has.All.StartWith("#cloud-config\n").And.All.Contains("ssh_deletekeys: true").And.All.Contains("ed25519_private: |"));
        Assert.That(instances.Select(i => i.UserData).Distinct().Count(), Is.EqualTo(3), "one host key per instance, never reused");
        var hostKeySecrets = instances.Select(i => i.UserData!.Split('\n').SkipWhile(l => !l.Contains("ed25519_private", StringComparison.Ordinal)).ElementAt(3).Trim()).ToList();
        Assert.That(Directory.GetFiles(workspace.Cli.Home, "*", SearchOption.AllDirectories).Where(f => hostKeySecrets.Any(File.ReadAllText(f).Contains)), Is.Empty,
            "no instance's private host key was written to disk here");
        foreach (var instance in instances)
        {
            Assert.That((instance.MarketType, instance.SpotInstanceType, instance.InterruptionBehavior), Is.EqualTo(("spot", "one-time", "terminate")), instance.Id);
            Assert.That((instance.HttpTokens, instance.HopLimit), Is.EqualTo(("required", 1)), instance.Id);
            Assert.That(instance.Tags, Does.ContainKey("blenderfarm:farm"), instance.Id);
            Assert.That(instance.Tags.GetValueOrDefault("blenderfarm:owner"), Is.EqualTo(File.ReadAllText(workspace.PathOf("home", "aws", "owner-id")).Trim()), instance.Id);
            Assert.That(instance.Tags.GetValueOrDefault("blenderfarm:job"), Is.EqualTo("spot3"), instance.Id);
            Assert.That(OfferedAKey(instance), Is.True, $"the coordinator logged in to {instance.Id} (sshd read its authorized_keys)");
            Assert.That(File.Exists(Path.Combine(instance.Home, "storage mounted")), Is.True, $"the mount command ran on {instance.Id}");
        }

        var doneOn = journal.Changes.Where(c => c.To == FrameState.Done).Select(c => InstanceOf(instances, c.Slot)?.Id).ToList();
        Assert.That(doneOn, Has.None.Null, "every frame was rendered by one of the launched instances");
        Assert.That(Calls(fake, "AuthorizeSecurityGroupIngress"), Is.EqualTo(1));
        Assert.That(fake.RefusedRequests, Is.Empty, "the coordinator's requests were all well formed");
        Assert.That(journal.State.Cost, Is.GreaterThan(0), "the journal records what the instances cost");
        Assert.That(journal.State.Instances.Keys.Order(), Is.EqualTo(instances.Select(i => i.Id).Order()), "one cost record per instance");
        Assert.That(journal.State.Instances.Values, Has.All.Matches<BlenderFarm.Domain.Journal.InstanceCostRecorded>(r => r.Ended && r.Usd > 0),
            "each instance's final cost, after it was terminated, is journaled");
        Assert.That(result.Stdout, Does.Match(@"\$\d+\.\d+ on 3 spot instance\(s\)"), "the summary tells the cost");
        Assert.That(result.Stderr, Does.Match(@"aws: (\d+ [a-zA-Z ]+, )*\d+ booting"), "the log says when instances are booting");
        Assert.That(result.Stderr, Does.Match(@"aws: (\d+ [a-zA-Z ]+, )*\d+ rendering"), "and when they render");
        await AssertTornDownAsync(workspace, fake, "spot3");
    }

    [Test]
    public async Task The_security_group_lets_in_only_ssh_from_the_caller()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        using var run = workspace.Cli.Start("render", scene, "--frames", "1-4", "--workers", Workers(fake, "max-instances=1"), "--output", workspace.PathOf("frames"), "--job-id", "sg");

        await Poll.UntilAsync(() => fake.SecurityGroups.Any(g => g.Ingress.Count > 0) || run.Process.HasExited, TimeSpan.FromMinutes(1), "the security group is opened");
        var groups = fake.SecurityGroups;
        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(groups, Has.Count.EqualTo(1));
        Assert.That(groups[0].Ingress, Is.EqualTo(new[] { new FakeIngressRule("tcp", 22, 22, "127.0.0.1/32") }), "only SSH, only from the caller");
        Assert.That(groups[0].Tags.GetValueOrDefault("blenderfarm:job"), Is.EqualTo("sg"));
        await AssertTornDownAsync(workspace, fake, "sg");
    }

    [Test]
    public async Task An_interruption_notice_requeues_the_instances_frames_without_a_failed_attempt_and_a_replacement_launches()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await LongSceneAsync(workspace, 40);
        var output = workspace.PathOf("frames");
        var journal = new JournalView(workspace.Cli.Home, "interrupted");
        using var run = workspace.Cli.Start("render", scene, "--workers", Workers(fake), "--output", output, "--job-id", "interrupted");

        FakeInstanceView? victim = null;
        await Poll.UntilAsync(() =>
        {
            if (!File.Exists(Path.Combine(workspace.Cli.Home, "jobs", "interrupted", "journal.bfj")) || journal.DoneCounts().Count < 2)
            {
                return false;
            }

            var instances = fake.Instances;
            victim = journal.State.Frames.Where(f => f.State == FrameState.Rendering).Select(f => InstanceOf(instances, f.Slot)).FirstOrDefault(i => i is not null);
            return victim is not null;
        }, TimeSpan.FromMinutes(3), "two frames are done and an instance is rendering");
        var rendering = journal.State.Frames.Where(f => f.State == FrameState.Rendering && InstanceOf(fake.Instances, f.Slot)?.Id == victim!.Id).Select(f => f.Frame).ToList();
        var noticeAt = DateTimeOffset.UtcNow;
        fake.Interrupt(victim!.Id);
        var result = await run.WaitAsync(TimeSpan.FromMinutes(5));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 40).ToDictionary(f => f, _ => 1)), "every frame done exactly once");
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(40));
        var instances = fake.Instances;
        var backToQueue = journal.Changes.Where(c => c.At >= noticeAt && c.From != FrameState.Queued && c.To == FrameState.Queued
                                                     && InstanceOf(instances, c.Slot)?.Id == victim.Id).ToList();
        // Whether the notice lands mid-frame or just after a frame was written (that one is still delivered) is up to
        // timing; either way the frames the instance held go back to the queue.
        Assert.That(backToQueue, Is.Not.Empty, "the frames the interrupted instance held went back to the queue");
        var finishedByVictim = journal.Changes.Where(c => c.To == FrameState.Done && InstanceOf(instances, c.Slot)?.Id == victim.Id).Select(c => c.Frame);
        Assert.That(rendering, Is.SubsetOf(backToQueue.Select(c => c.Frame).Concat(finishedByVictim)),
            "each frame it was rendering when the test looked either went back to the queue or was finished before the notice arrived");
        Assert.That(backToQueue, Has.All.Matches<BlenderFarm.Domain.Journal.FrameChanged>(c => c.FailedAttempts == 0), "without counting a failed attempt");
        Assert.That(journal.State.Frames, Has.All.Matches<FrameInfo>(f => f.FailedAttempts == 0), "no frame has a failed attempt");

        // The coordinator learns of the notice when the instance's watcher next asks IMDS, and gives the frames back
        // then: that moment, not the test's, is where "after the notice" begins. A frame Blender had already written is
        // still brought over (the instance has two minutes); nothing is started there any more.
        var withdrawnAt = backToQueue.Min(c => c.At);
        Assert.That(withdrawnAt - noticeAt, Is.LessThan(TimeSpan.FromSeconds(30)), "the notice was seen within a few polls");
        var victimChanges = journal.Changes.Where(c => InstanceOf(instances, c.Slot)?.Id == victim.Id).ToList();
        Assert.That(victimChanges.Where(c => c.At > withdrawnAt && c.To is FrameState.Assigned or FrameState.Rendering), Is.Empty,
            "the interrupted instance was given and started nothing after it left the job");
        var writtenBefore = victimChanges.Where(c => c.To == FrameState.Transferring && c.At <= withdrawnAt).Select(c => c.Frame).ToHashSet();
        Assert.That(victimChanges.Where(c => c.To == FrameState.Done && c.At > withdrawnAt).Select(c => c.Frame), Is.SubsetOf(writtenBefore),
            "what it delivered afterwards had been rendered before it left");
        var replacements = instances.Where(i => i.Id != victim.Id && i.LaunchedAt > noticeAt.UtcDateTime).ToList();
        Assert.That(replacements, Is.Not.Empty, "an instance launched to replace the interrupted one\n" + result.Stderr);
        Assert.That(result.Stderr, Does.Match(@"aws: (\d+ [a-zA-Z ]+, )*1 interrupted"), "the instances' states in the log count the interrupted one");
        await AssertTornDownAsync(workspace, fake, "interrupted");
    }

    [Test]
    public async Task Killing_the_coordinator_then_resuming_reattaches_its_instances_and_leaks_none()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await LongSceneAsync(workspace, 30);
        var output = workspace.PathOf("frames");
        var journal = await RenderThenKillAsync(workspace, "crash", framesDone: 3, "render", scene, "--workers", Workers(fake, "idle=20"), "--output", output, "--job-id", "crash");

        var beforeResume = fake.Instances.Where(i => i.State is "pending" or "running").Select(i => i.Id).ToList();
        Assert.That(beforeResume, Is.Not.Empty, "the killed coordinator's instances are still running");

        var result = await workspace.Cli.RunAsync("resume", "crash");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Completed));
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 30).ToDictionary(f => f, _ => 1)), "every frame done exactly once");
        Assert.That(result.Stderr, Does.Not.Contain("terminating instance"), "none of the job's own instances was taken for an orphan");
        var instances = fake.Instances;
        var resumedRenderedOn = journal.Records.SkipWhile(r => r is not BlenderFarm.Domain.Journal.RunStarted).Skip(1)
            .SkipWhile(r => r is not BlenderFarm.Domain.Journal.RunStarted).OfType<BlenderFarm.Domain.Journal.FrameChanged>()
            .Where(c => c.To == FrameState.Done).Select(c => InstanceOf(instances, c.Slot)?.Id).ToHashSet();
        Assert.That(resumedRenderedOn.Intersect(beforeResume), Is.Not.Empty, "the resumed run rendered on an instance launched before the crash");
        Assert.That(journal.State.Instances.Keys, Is.SupersetOf(beforeResume), "the reattached instances' cost is journaled");
        await AssertTornDownAsync(workspace, fake, "crash");
    }

    [Test]
    public async Task A_new_job_terminates_the_instances_a_killed_coordinator_left_and_leaves_another_machines_alone()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await LongSceneAsync(workspace, 30);
        await RenderThenKillAsync(workspace, "abandoned", framesDone: 1, "render", scene, "--workers", Workers(fake, "max-instances=2"), "--output", workspace.PathOf("frames-a"), "--job-id", "abandoned");

        var left = fake.Instances.Where(i => i.State is "pending" or "running").Select(i => i.Id).ToList();
        Assert.That(left, Is.Not.Empty, "the killed coordinator left instances running");
        using var ec2 = new Amazon.EC2.AmazonEC2Client(new Amazon.Runtime.BasicAWSCredentials(fake.AccessKey, fake.SecretKey),
            new Amazon.EC2.AmazonEC2Config { ServiceURL = fake.ServiceUrl, AuthenticationRegion = fake.Region });
        var colleague = (await ec2.RunInstancesAsync(new Amazon.EC2.Model.RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = Amazon.EC2.InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1,
            TagSpecifications = [new Amazon.EC2.Model.TagSpecification
            {
                ResourceType = Amazon.EC2.ResourceType.Instance,
                Tags = [new("blenderfarm:farm", "theirs"), new("blenderfarm:job", "theirs"), new("blenderfarm:owner", "workstation-7-0123456789ab")],
            }],
        })).Reservation.Instances[0].InstanceId;

        var small = await Scenes.CopyAsync(Scenes.Tiny, workspace, "small");
        var result = await workspace.Cli.RunAsync("render", small, "--workers", Workers(fake, "max-instances=1"), "--output", workspace.PathOf("frames-b"), "--job-id", "next");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        foreach (var id in left)
        {
            Assert.That(result.Stderr, Does.Contain($"terminating instance {id} of job abandoned"));
            Assert.That(fake.Instances.Single(i => i.Id == id).State, Is.EqualTo("terminated"), id);
        }

        Assert.That(fake.Instances.Single(i => i.Id == colleague).State, Is.EqualTo("running"), "another machine's instance is not an orphan of ours");
        Assert.That(fake.KeyPairs, Is.Empty, "the abandoned farm's key pair went with its instances");
        Assert.That(fake.SecurityGroups, Is.Empty, "and its security group");
        Assert.That(FarmFolders(workspace), Is.Empty, "and its private key");
    }

    [Test]
    public async Task An_instance_left_idle_while_the_last_frame_renders_elsewhere_is_terminated_and_the_job_completes()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        // Two instances, three heavy frames in one chunk: the first instance to join takes all three, so the other has
        // nothing to do while frames are still rendering, and with idle=0 it is ended at the next look.
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "heavy.blend"), new { start = 1, end = 3, width = 320, height = 240, samples = 128 });
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=2", "idle=0"), "--chunk", "3", "--output", output, "--job-id", "idle");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain("idle: no frames are left for it"), "an instance was ended for being idle before the job ended");
        Assert.That(new JournalView(workspace.Cli.Home, "idle").DoneCounts(), Is.EqualTo(Enumerable.Range(1, 3).ToDictionary(f => f, _ => 1)));
        Assert.That(fake.Instances, Has.Count.EqualTo(2), "no instance was launched to replace an idle one\n" + result);
        await AssertTornDownAsync(workspace, fake, "idle");
    }

    [Test]
    public async Task An_instance_EC2_does_not_list_yet_right_after_launch_is_waited_for_not_given_up()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.NotVisibleFor = TimeSpan.FromSeconds(3);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1"), "--output", workspace.PathOf("frames"), "--job-id", "eventual");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(fake.Instances, Has.Count.EqualTo(1), "the first instance was used, not replaced\n" + result.Stderr);
        Assert.That(fake.RefusedRequests, Has.Some.Contains("InvalidGroup.NotFound"), "EC2 did not know the new group at first");
        Assert.That(Calls(fake, "DescribeInstances"), Is.GreaterThan(2), "the instance was looked for again while EC2 did not list it");
        Assert.That(new JournalView(workspace.Cli.Home, "eventual").DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)));
        await AssertTornDownAsync(workspace, fake, "eventual");
    }

    [Test]
    public async Task No_capacity_for_the_first_type_falls_back_to_the_next()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.NoCapacityFor("g4dn.xlarge");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake), "--output", output, "--job-id", "fallback");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(12));
        Assert.That(fake.Instances, Is.Not.Empty);
        Assert.That(fake.Instances.Select(i => i.Type), Has.All.EqualTo("g5.xlarge"), "every instance is of the type that had capacity");
        Assert.That(fake.FleetErrors, Has.Some.EqualTo("g4dn.xlarge in us-east-1a: InsufficientInstanceCapacity"), "g4dn.xlarge was tried first");
        Assert.That(fake.FleetErrors, Has.All.Contains("g4dn.xlarge").And.All.Contains("InsufficientInstanceCapacity"), "nothing else failed");
        Assert.That(fake.RefusedRequests, Is.Empty, "nothing was refused");
        Assert.That((Calls(fake, "CreateFleet"), Calls(fake, "RunInstances")), Is.EqualTo((fake.Instances.Count, 0)), "one fleet call per instance offered every type and zone at once");
        Assert.That(fake.FleetErrors, Does.Contain("g4dn.xlarge in us-east-1b: InsufficientInstanceCapacity"), "both zones of g4dn.xlarge were in the same call");
        await AssertTornDownAsync(workspace, fake, "fallback");
    }

    [Test]
    public async Task Reaching_max_cost_pauses_the_job_terminates_everything_and_says_how_to_resume()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        foreach (var type in new[] { "g4dn.xlarge", "g5.xlarge" })
        {
            foreach (var zone in FakeEc2.Zones)
            {
                fake.SetSpotPrice(type, zone, 100m);
            }
        }

        // At $100/h a launch needs $2.50 of room (a minute plus the 30 s margin): $3 allows one instance, and the
        // fleet stops it once it has cost about $2.17, some 80 seconds in, well before 120 heavy frames (about 2 s each) are done.
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "heavy.blend"), new { start = 1, end = 120, width = 320, height = 240, samples = 128 });
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake), "--max-cost", "3", "--output", output, "--job-id", "budget");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Paused), result.ToString());
        Assert.That(result.Stdout + result.Stderr, Does.Contain("--max-cost limit of $3.00 was reached"));
        Assert.That(result.Stdout + result.Stderr, Does.Contain("blenderfarm resume budget --max-cost"));
        var journal = new JournalView(workspace.Cli.Home, "budget");
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Paused));
        Assert.That(journal.DoneCounts().Count, Is.InRange(1, 119), "some frames were done, not all");
        Assert.That(journal.State.Cost, Is.InRange(1.0, 3.0), "the money spent stayed under the limit");
        Assert.That(fake.Instances, Has.Count.EqualTo(1), "no second instance fit in the limit");
        await AssertTornDownAsync(workspace, fake, "budget");
    }

    [TestCase("host-keys=console", false, TestName = "A host key that does not match the console fingerprint refuses every instance and fails the job (console mode)")]
    [TestCase("host-keys=cloud-init", true, TestName = "A host key that does not match the console fingerprint refuses every instance and fails the job (image without cloud-init)")]
    public async Task A_host_key_that_does_not_match_the_console_fingerprint_refuses_every_instance_and_fails_the_job(string mode, bool withoutCloudInit)
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.WrongConsoleFingerprints = true;
        fake.WithoutCloudInit = withoutCloudInit;
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, mode), "--output", output, "--job-id", "impostor");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.JobFailed), result.ToString());
        Assert.That(result.Stdout, Does.Contain("host keys could not be verified"), "the summary says why");
        Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(fake.Instances, Is.Not.Empty);
        Assert.That(Directory.Exists(output) ? Directory.GetFiles(output) : [], Is.Empty, "nothing was rendered");
        foreach (var instance in fake.Instances)
        {
            Assert.That(OfferedAKey(instance), Is.False, $"nobody tried to log in to {instance.Id}: sshd never read its authorized_keys");
        }

        var journal = new JournalView(workspace.Cli.Home, "impostor");
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Failed));
        Assert.That(journal.DoneCounts(), Is.Empty);
        await AssertTornDownAsync(workspace, fake, "impostor");
    }

    [Test]
    public async Task An_instance_whose_host_key_does_not_match_its_console_is_refused_and_the_job_completes_on_the_others()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.WrongConsoleFingerprints = true;
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");
        var journal = new JournalView(workspace.Cli.Home, "one-impostor");
        using var run = workspace.Cli.Start("render", scene, "--workers", Workers(fake, "host-keys=console"), "--output", output, "--job-id", "one-impostor");

        await Poll.UntilAsync(() => fake.Instances.Count >= 1, TimeSpan.FromMinutes(1), "the first instance is launched");
        fake.WrongConsoleFingerprints = false;
        var impostor = fake.Instances[0];
        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain(impostor.Id).And.Contain("host key"), "the log says which instance was refused and why");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)));
        var instances = fake.Instances;
        Assert.That(journal.Changes.Where(c => InstanceOf(instances, c.Slot)?.Id == impostor.Id), Is.Empty, "the refused instance was never given a frame");
        Assert.That(OfferedAKey(impostor), Is.False, "nobody tried to log in to the refused instance: sshd never read its authorized_keys");
        Assert.That(instances.Where(i => i.Id != impostor.Id).Any(OfferedAKey), Is.True, "the coordinator did log in to the others");
        Assert.That(result.Stderr, Does.Not.Contain($"instance {impostor.Id} at"), "the refused instance never joined the job");
        Assert.That(journal.Changes.Where(c => c.To == FrameState.Done).Select(c => InstanceOf(instances, c.Slot)?.Id), Has.None.Null.And.None.EqualTo(impostor.Id));
        await AssertTornDownAsync(workspace, fake, "one-impostor");
    }

    [Test]
    public async Task An_image_without_cloud_init_keeps_its_own_host_key_which_is_checked_against_the_console_and_the_job_completes()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.WithoutCloudInit = true;
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1"), "--output", workspace.PathOf("frames"), "--job-id", "no-cloud-init");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var instance = fake.Instances.Single();
        Assert.That(result.Stderr, Does.Contain($"instance {instance.Id} does not use the host key handed to it through cloud-init"));
        Assert.That(Calls(fake, "GetConsoleOutput"), Is.GreaterThan(0), "its key was checked against its console output");
        Assert.That(new JournalView(workspace.Cli.Home, "no-cloud-init").DoneCounts(), Is.EqualTo(Enumerable.Range(1, 12).ToDictionary(f => f, _ => 1)));
        await AssertTornDownAsync(workspace, fake, "no-cloud-init");
    }

    [Test]
    public async Task Missing_credentials_is_one_sentence_naming_the_variables_and_nothing_reaches_EC2()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        FakeEc2.UseNoCredentials(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake), "--output", workspace.PathOf("frames"), "--job-id", "nokeys");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.BadInput), result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.ToString());
        Assert.That(lines[0], Does.Contain("AWS_ACCESS_KEY_ID").And.Contain("aws configure"));
        Assert.That(result.Stderr, Does.Not.Contain("Exception").And.Not.Contain("   at "));
        Assert.That(fake.Calls, Is.Empty, "the fake EC2 saw no request");
    }

    /// <summary>Runs the CLI until <paramref name="framesDone"/> frames of the job are done, then kills it with SIGKILL: no chance to terminate anything.</summary>
    private static async Task<JournalView> RenderThenKillAsync(Workspace workspace, string jobId, int framesDone, params string[] arguments)
    {
        var journal = new JournalView(workspace.Cli.Home, jobId);
        using var run = workspace.Cli.Start(arguments);
        await Poll.UntilAsync(() => File.Exists(Path.Combine(workspace.Cli.Home, "jobs", jobId, "journal.bfj")) && journal.DoneCounts().Count >= framesDone,
            TimeSpan.FromMinutes(3), $"{framesDone} frame(s) are done");
        run.Process.Kill();
        await run.Process.WaitForExitAsync();
        return journal;
    }

    private static string Workers(FakeEc2 fake, params string[] overrides)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["endpoint"] = fake.ServiceUrl, ["region"] = "us-east-1", ["user"] = System.Environment.UserName,
            ["port"] = fake.SshPort.ToString(System.Globalization.CultureInfo.InvariantCulture), ["caller-cidr"] = "127.0.0.1/32", ["ami"] = ImageId,
            ["types"] = "g4dn.xlarge+g5.xlarge", ["max-instances"] = "3", ["max-cost"] = "5", ["tick"] = "0.5", ["interruption-poll"] = "0.5",
            ["idle"] = "3", ["console-timeout"] = "30", ["boot-timeout"] = "60",
        };
        foreach (var pair in overrides.Select(o => o.Split('=', 2)))
        {
            settings[pair[0]] = pair[1];
        }

        return "aws:" + string.Join(',', settings.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>A scene of many slow frames (160x120, 96 samples), so the job still runs when the test acts.</summary>
    private static Task<string> LongSceneAsync(Workspace workspace, int frames) =>
        Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "long.blend"), new { start = 1, end = frames, width = 160, height = 120, samples = 96 });

    /// <summary>The instance whose slot this is (slots are named after the instance's address).</summary>
    private static FakeInstanceView? InstanceOf(IReadOnlyList<FakeInstanceView> instances, string? slot)
    {
        if (slot is null)
        {
            return null;
        }

        var host = slot.Split('#')[0];
        return instances.SingleOrDefault(i => host == i.Address || host.EndsWith("@" + i.Address, StringComparison.Ordinal)
                                              || host.Contains(i.Id, StringComparison.Ordinal) || host.StartsWith(i.Address + ":", StringComparison.Ordinal)
                                              || host.Contains("@" + i.Address + ":", StringComparison.Ordinal));
    }

    /// <summary>
    /// Whether an SSH client offered a key to the instance's sshd: sshd reads authorized_keys only then, which moves its
    /// access time past its write time (relatime updates it on the first read after a write). Fetching the host key does not.
    /// </summary>
    private static bool OfferedAKey(FakeInstanceView instance)
    {
        var keys = Path.Combine(instance.Folder, "authorized_keys");
        return File.GetLastAccessTimeUtc(keys) > File.GetLastWriteTimeUtc(keys);
    }

    private static int Calls(FakeEc2 fake, string action) => fake.Calls.Count(c => c == action);

    /// <summary>Every instance terminated, no key pair, no security group, no launch template, and the farm's private key gone.</summary>
    private static async Task AssertTornDownAsync(Workspace workspace, FakeEc2 fake, string jobId)
    {
        await Poll.UntilAsync(() => fake.Instances.All(i => i.State == "terminated"), TimeSpan.FromSeconds(20), "every instance is terminated");
        Assert.That(fake.KeyPairs, Is.Empty, "no key pair is left");
        Assert.That(fake.SecurityGroups, Is.Empty, "no security group is left");
        Assert.That(fake.LaunchTemplates, Is.Empty, "no launch template is left");
        Assert.That(FarmFolders(workspace).Where(f => File.Exists(Path.Combine(f, "id_ed25519"))), Is.Empty, $"job {jobId}'s farm's private key is gone");
        foreach (var instance in fake.Instances)
        {
            Assert.That(Listens(instance.Address, fake.SshPort), Is.False, $"{instance.Id}'s sshd is gone");
        }
    }

    /// <summary>The farms' local folders (private key, pinned host keys) in the workspace's BLENDERFARM_HOME.</summary>
    private static IReadOnlyList<string> FarmFolders(Workspace workspace)
    {
        var farms = Path.Combine(workspace.Cli.Home, "aws");
        return Directory.Exists(farms) ? Directory.GetDirectories(farms) : [];
    }

    private static bool Listens(string address, int port)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            client.Connect(address, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
