using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>A new account's first render against a fake EC2 that behaves as strictly as EC2 (issue 8).</summary>
public sealed partial class SpotFleetTests
{
    [Test]
    public async Task A_render_on_eventually_consistent_EC2_renders_and_leaves_nothing_behind()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        // New instances and groups stay unknown for 2 s; the console buffer is 10 minutes late (only Latest=true reads it at once).
        fake.NotVisibleFor = TimeSpan.FromSeconds(2);
        fake.ConsoleOutputDelay = TimeSpan.FromMinutes(10);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1"), "--output", output, "--job-id", "strict");

        Assert.That(result.ExitCode, Is.Zero, result + string.Join('\n', fake.RefusedRequests));
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(12));
        Assert.That(fake.RefusedRequests, Has.None.Contains("CreateSecurityGroup"), "the group's name and description use EC2's character set");
        Assert.That(fake.RefusedRequests, Has.None.Contains("InvalidRequest").And.None.Contains("UnknownParameter"), "no empty list was sent");
        Assert.That(result.Stdout + result.Stderr, Has.Length.GreaterThan(0));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(result.Stdout + result.Stderr, "terminated").Count,
            Is.LessThanOrEqualTo(fake.Instances.Count), "each instance is terminated once");
        await AssertTornDownAsync(workspace, fake, "strict");
    }

    [TestCase("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 0 allows", "Service Quotas")]
    [TestCase("MaxSpotInstanceCountExceeded", "Max spot instance count exceeded", "All G and VT Spot Instance Requests")]
    [TestCase("PendingVerification", "Your request for accessing resources in this region is being validated", "still verifying")]
    [TestCase("UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: abc", "may not do this")]
    [TestCase("InvalidParameterValue", "The architecture 'x86_64' of the specified instance type does not match the architecture 'arm64' of the specified AMI", "architecture")]
    public async Task A_refused_launch_that_is_not_about_capacity_stops_at_once_says_why_and_leaves_nothing_behind(string code, string message, string said)
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.RefuseLaunches(code, message);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var started = DateTime.UtcNow;
        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake), "--output", workspace.PathOf("frames"), "--job-id", "refused");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stdout + result.Stderr, Does.Contain(said).And.Contain(code), result.ToString());
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(60)), "no retry every 20 s");
        Assert.That(fake.Calls.Count(c => c == "CreateFleet"), Is.EqualTo(1), "the refusal is not retried");
        Assert.That(fake.RefusedRequests, Has.None.Contains("CreateFleet"), "the fleet request was well formed: EC2 refused the launch itself");
        await AssertTornDownAsync(workspace, fake, "refused");
    }

    [Test]
    public async Task A_security_group_refused_after_the_key_pair_was_imported_leaves_no_key_pair_and_no_local_key()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.Refuse("CreateSecurityGroup", "UnauthorizedOperation", "You are not authorized to perform this operation.");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake), "--output", workspace.PathOf("frames"), "--job-id", "halfway");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain("UnauthorizedOperation").And.Not.Contain("   at "));
        Assert.That(fake.Calls, Does.Contain("ImportKeyPair"), "the key pair was imported before the group was refused");
        await AssertTornDownAsync(workspace, fake, "halfway");
        Assert.That(FarmFolders(workspace), Is.Empty, "the farm's local key folder is gone");
    }

    [Test]
    public async Task Ctrl_C_while_CreateFleet_is_in_flight_terminates_the_instance_that_call_launched_and_leaves_nothing()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        // EC2 launches the instance but its answer never comes: the coordinator cannot know the instance's id.
        fake.HoldAnswers("CreateFleet", 1);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        using var run = workspace.Cli.Start("render", scene, "--workers", Workers(fake, "max-instances=1"), "--output", workspace.PathOf("frames"), "--job-id", "ctrl-c");

        await Poll.UntilAsync(() => fake.Instances.Count > 0 || run.Process.HasExited, TimeSpan.FromMinutes(1), "EC2 launched the instance");
        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", run.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt!.WaitForExitAsync();
        }

        var result = await run.WaitAsync(TimeSpan.FromMinutes(4));

        Assert.That(result.Stderr, Does.Not.Contain("   at "), result.ToString());
        Assert.That(fake.Instances, Has.Count.EqualTo(1), "asking EC2 again with the call's client token launched nothing new\n" + result);
        Assert.That(fake.Calls.Count(c => c == "CreateFleet"), Is.EqualTo(2), "the interrupted launch was looked up by its client token");
        Assert.That(result.Stderr, Does.Not.Contain("teardown"), "nothing was left for 'blenderfarm teardown'\n" + result);
        await AssertTornDownAsync(workspace, fake, "ctrl-c");
    }

    [Test]
    public async Task A_world_open_caller_cidr_is_warned_about()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.RefuseLaunches("VcpuLimitExceeded", "vCPU limit of 0");
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "caller-cidr=0.0.0.0/0"), "--output", workspace.PathOf("frames"), "--job-id", "open");

        Assert.That(result.Stdout + result.Stderr, Does.Contain("caller-cidr 0.0.0.0/0 opens the instances' SSH port to the whole internet"), result.ToString());
        await AssertTornDownAsync(workspace, fake, "open");
    }

    [Test]
    public async Task Teardown_with_nothing_running_exits_0()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);

        var result = await workspace.Cli.RunAsync("teardown", "--workers", Workers(fake));

        Assert.That(result.ExitCode, Is.Zero, result + string.Join('\n', fake.RefusedRequests));
        Assert.That(fake.RefusedRequests, Is.Empty);
    }
}
