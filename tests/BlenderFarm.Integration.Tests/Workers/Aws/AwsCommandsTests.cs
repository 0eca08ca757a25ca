using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// <c>plan</c>, <c>instances</c> and <c>teardown</c> through the real CLI against the fake EC2: prices and an estimate
/// without launching anything, a list of what runs, and nothing of BlenderFarm left after a teardown.
/// </summary>
[Category("Ssh")]
public sealed class AwsCommandsTests
{
    private const string ImageId = "ami-0b1e4de4f00000001";

    [Test]
    public async Task Plan_prints_spot_prices_and_an_estimate_from_a_local_sample_frame_and_launches_nothing()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        fake.UseIn(workspace);

        var result = await workspace.Cli.RunAsync("plan", scene, "--workers", Workers(fake, "max-instances=2,types=g4dn.xlarge+g5.xlarge"));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Contain("g4dn.xlarge    us-east-1a     0.2104"), "the cheapest zone and its price");
        Assert.That(result.Stdout, Does.Contain("g5.xlarge"));
        Assert.That(result.Stdout, Does.Match(@"Sample: frame \d+ took \d+\.\d s here"));
        Assert.That(result.Stdout, Does.Match(@"Estimate: about .+ on 2 g4dn\.xlarge instance\(s\), ~\$\d+\.\d\d"));
        Assert.That(result.Stdout, Does.Contain("Nothing was launched."));
        Assert.That(result.Stdout, Does.Match(@"An instance whose image has no Blender installs https://download\.blender\.org/release/Blender3\.4/blender-3\.4\.\d+-linux-x64\.tar\.xz\."),
            "the official build of the release that saved the file");
        Assert.That(fake.Calls, Has.None.AnyOf("RunInstances", "CreateFleet", "CreateLaunchTemplate", "ImportKeyPair", "CreateSecurityGroup"));
        Assert.That(fake.RefusedRequests, Is.Empty);
    }

    [Test]
    public async Task Plan_with_json_gives_the_panel_instances_price_and_estimate_as_one_object()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        fake.UseIn(workspace);

        var result = await workspace.Cli.RunAsync("plan", scene, "--workers", Workers(fake, "max-instances=3,max-cost=5,types=g4dn.xlarge+g5.xlarge"), "--frames", "1-2", "--json");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "only the JSON object, which the add-on reads: " + result.Stdout);
        var plan = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(plan.GetProperty("frames").GetInt32(), Is.EqualTo(2));
            Assert.That(plan.GetProperty("instances").GetInt32(), Is.EqualTo(2), "no more instances than frames");
            Assert.That(plan.GetProperty("instanceType").GetString(), Is.EqualTo("g4dn.xlarge"));
            Assert.That(plan.GetProperty("zone").GetString(), Is.EqualTo("us-east-1a"));
            Assert.That(plan.GetProperty("usdPerHour").GetDouble(), Is.EqualTo(0.2104).Within(1e-9));
            Assert.That(plan.GetProperty("maxCostUsd").GetDouble(), Is.EqualTo(5));
            Assert.That(plan.GetProperty("sampleSeconds").GetDouble(), Is.GreaterThan(0));
            Assert.That(plan.GetProperty("estimateSeconds").GetDouble(), Is.GreaterThan(300), "five minutes of start-up at least");
            Assert.That(plan.GetProperty("estimateUsd").GetDouble(), Is.GreaterThan(0));
        });
        Assert.That(fake.Calls, Has.None.AnyOf("RunInstances", "CreateFleet", "CreateLaunchTemplate", "ImportKeyPair", "CreateSecurityGroup"));
    }

    [Test]
    public async Task Instances_lists_what_runs_and_teardown_terminates_this_installations_and_with_all_owners_the_rest()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        using var ec2 = new AmazonEC2Client(new BasicAWSCredentials(fake.AccessKey, fake.SecretKey),
            new AmazonEC2Config { ServiceURL = fake.ServiceUrl, AuthenticationRegion = fake.Region });
        // What a coordinator killed mid-job leaves behind: a farm's key pair, security group, launch template and two instances.
        var keyFolder = workspace.PathOf("home", "aws", "job-left-behind");
        Directory.CreateDirectory(keyFolder);
        var owner = BlenderFarm.Workers.Aws.Farm.OwnerId.For(workspace.PathOf("home", "aws"));
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(keyFolder, "id_ed25519"));
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest
        {
            KeyName = "blenderfarm-job-left-behind",
            PublicKeyMaterial = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(keyFolder, "id_ed25519.pub"))),
            TagSpecifications = [Tagged(ResourceType.KeyPair, owner)],
        });
        var group = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = "blenderfarm-job-left-behind", Description = "left behind", TagSpecifications = [Tagged(ResourceType.SecurityGroup, owner)],
        });
        // The launch template of a launch the kill cut short.
        await ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "blenderfarm-job-left-behind-0123456789abcdef", LaunchTemplateData = new RequestLaunchTemplateData { ImageId = ImageId },
            TagSpecifications = [Tagged(ResourceType.LaunchTemplate, owner)],
        });
        var launched = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = InstanceType.G4dnXlarge, MinCount = 2, MaxCount = 2, KeyName = "blenderfarm-job-left-behind",
            SecurityGroupIds = [group.GroupId], TagSpecifications = [Tagged(ResourceType.Instance, owner)],
        });
        var ids = launched.Reservation.Instances.Select(i => i.InstanceId).ToList();
        // And one a colleague's machine launched into the same account.
        var theirs = (await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1, TagSpecifications = [Tagged(ResourceType.Instance, "workstation-7-0123456789ab")],
        })).Reservation.Instances[0].InstanceId;

        var listed = await workspace.Cli.RunAsync("instances", "--workers", Workers(fake, ""));
        Assert.That(listed.ExitCode, Is.Zero, listed.ToString());
        Assert.That(ids, Has.All.Matches<string>(id => listed.Stdout.Contains(id, StringComparison.Ordinal)), listed.Stdout);
        Assert.That(listed.Stdout, Does.Contain("job-left-behind").And.Contain("3 instance(s), ~$").And.Contain(theirs));
        Assert.That(listed.Stdout, Does.Contain("workstation-7-0123456789ab"), "who launched the colleague's instance");

        var teardown = await workspace.Cli.RunAsync("teardown", "--workers", Workers(fake, ""));
        Assert.That(teardown.ExitCode, Is.Zero, teardown.ToString());
        Assert.That(fake.Instances.Where(i => ids.Contains(i.Id)).Select(i => i.State), Has.All.EqualTo("terminated"));
        Assert.That(fake.Instances.Single(i => i.Id == theirs).State, Is.EqualTo("running"), "another machine's instance is left alone");
        Assert.That(teardown.Stdout, Does.Contain("Leaving 1 instance(s) launched from another machine"));
        Assert.That(fake.KeyPairs, Is.Empty, "the farm's key pair is gone");
        Assert.That(fake.SecurityGroups, Is.Empty, "the farm's security group is gone");
        Assert.That(fake.LaunchTemplates, Is.Empty, "the farm's launch template is gone");
        Assert.That(Directory.Exists(keyFolder), Is.False, "the farm's private key is deleted");
        Assert.That(teardown.Stdout, Does.Contain("nothing of BlenderFarm is left"));

        var everything = await workspace.Cli.RunAsync("teardown", "--all-owners", "--workers", Workers(fake, ""));
        Assert.That(everything.ExitCode, Is.Zero, everything.ToString());
        Assert.That(fake.Instances.Single(i => i.Id == theirs).State, Is.EqualTo("terminated"));

        var after = await workspace.Cli.RunAsync("instances", "--workers", Workers(fake, ""));
        Assert.That(after.Stdout, Does.Contain("BlenderFarm has no instance running in us-east-1."));
        Assert.That(fake.RefusedRequests, Is.Empty);
    }

    [Test]
    public async Task Two_installations_in_one_account_teardown_never_touches_the_others_farm_of_the_same_id()
    {
        using var ours = new Workspace();
        using var colleague = new Workspace();
        using var fake = FakeEc2.Start(ours.PathOf("ec2"));
        fake.UseIn(ours);
        fake.UseIn(colleague);
        using var ec2 = new AmazonEC2Client(new BasicAWSCredentials(fake.AccessKey, fake.SecretKey),
            new AmazonEC2Config { ServiceURL = fake.ServiceUrl, AuthenticationRegion = fake.Region });
        // Our data folder still holds a farm folder of the same id as the colleague's live farm (job ids are short).
        Directory.CreateDirectory(ours.PathOf("home", "aws", "job-left-behind"));
        _ = BlenderFarm.Workers.Aws.Farm.OwnerId.For(ours.PathOf("home", "aws"));
        var theirOwner = BlenderFarm.Workers.Aws.Farm.OwnerId.For(colleague.PathOf("home", "aws"));
        var theirKey = colleague.PathOf("home", "aws", "job-left-behind", "id_ed25519");
        Directory.CreateDirectory(Path.GetDirectoryName(theirKey)!);
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", theirKey);
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest
        {
            KeyName = "blenderfarm-job-left-behind",
            PublicKeyMaterial = Convert.ToBase64String(File.ReadAllBytes(theirKey + ".pub")),
            TagSpecifications = [Tagged(ResourceType.KeyPair, theirOwner)],
        });
        await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = "blenderfarm-job-left-behind", Description = "theirs", TagSpecifications = [Tagged(ResourceType.SecurityGroup, theirOwner)],
        });

        var teardown = await ours.Cli.RunAsync("teardown", "--workers", Workers(fake, ""));
        Assert.That(teardown.ExitCode, Is.Zero, teardown.ToString());
        Assert.That(fake.KeyPairs.Select(k => k.Name), Is.EqualTo(new[] { "blenderfarm-job-left-behind" }), "the colleague's key pair is left alone");
        Assert.That(fake.SecurityGroups.Select(g => g.Name), Is.EqualTo(new[] { "blenderfarm-job-left-behind" }), "the colleague's security group is left alone");
        Assert.That(File.Exists(theirKey), Is.True);

        var theirTeardown = await colleague.Cli.RunAsync("teardown", "--workers", Workers(fake, ""));
        Assert.That(theirTeardown.ExitCode, Is.Zero, theirTeardown.ToString());
        Assert.That((fake.KeyPairs, fake.SecurityGroups), Is.EqualTo((Array.Empty<FakeKeyPair>(), Array.Empty<FakeSecurityGroup>())));
        Assert.That(fake.RefusedRequests, Is.Empty);
    }

    [Test]
    public async Task Instances_without_credentials_says_so_in_one_sentence_and_asks_EC2_nothing()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        FakeEc2.UseNoCredentials(workspace);

        var result = await workspace.Cli.RunAsync("instances", "--workers", Workers(fake, ""));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr.Trim(), Is.EqualTo(
            "blenderfarm: No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run 'aws configure', or name a profile with --aws-profile."));
        Assert.That(fake.Calls, Is.Empty);
    }

    private static TagSpecification Tagged(ResourceType type, string owner) => new()
    {
        ResourceType = type,
        Tags = [new Tag("blenderfarm:farm", "job-left-behind"), new Tag("blenderfarm:job", "job-left-behind"), new Tag("blenderfarm:owner", owner)],
    };

    private static string Workers(FakeEc2 fake, string extra) =>
        $"aws:endpoint={fake.ServiceUrl},region={fake.Region},caller-cidr=127.0.0.1/32,ami={ImageId}" + (extra.Length > 0 ? "," + extra : "");
}
