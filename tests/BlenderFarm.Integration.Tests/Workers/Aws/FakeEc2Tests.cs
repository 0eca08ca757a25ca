using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// The fake EC2 endpoint, driven by the real AmazonEC2Client: every element the SDK reads comes back non-null, malformed
/// requests are refused with EC2's error codes, and instances are real sshd machines on loopback.
/// </summary>
[Category("Ssh")]
public sealed partial class FakeEc2Tests
{
    private const string ImageId = "ami-0b1e4de4f00000001";

    [Test]
    public async Task A_spot_instance_launches_as_a_reachable_sshd_shows_its_host_key_on_the_console_and_terminates()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        var key = ClientKey(workspace);

        var imported = await ec2.ImportKeyPairAsync(new ImportKeyPairRequest
        {
            KeyName = "blenderfarm-test",
            PublicKeyMaterial = Convert.ToBase64String(File.ReadAllBytes(key + ".pub")),
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.KeyPair, Tags = [new Tag("blenderfarm", "test")] }],
        });
        Assert.That(new[] { imported.KeyName, imported.KeyPairId, imported.KeyFingerprint }, Has.None.Null);
        var group = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = "blenderfarm-test",
            Description = "BlenderFarm render nodes",
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = [new Tag("blenderfarm", "test")] }],
        });
        await ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = group.GroupId,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = "127.0.0.1/32" }] }],
        });
        Assert.That(fake.SecurityGroups.Single().Ingress, Is.EqualTo(new[] { new FakeIngressRule("tcp", 22, 22, "127.0.0.1/32") }));
        var groups = await ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("tag:blenderfarm", ["test"])] });
        Assert.That(groups.SecurityGroups.Single().IpPermissions.Single().Ipv4Ranges.Single().CidrIp, Is.EqualTo("127.0.0.1/32"));

        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId,
            InstanceType = InstanceType.G4dnXlarge,
            MinCount = 1,
            MaxCount = 1,
            KeyName = "blenderfarm-test",
            SecurityGroupIds = [group.GroupId],
            UserData = Convert.ToBase64String(Encoding.UTF8.GetBytes("#!/bin/sh\necho hello\n")),
            ClientToken = "launch-1",
            InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions { SpotInstanceType = SpotInstanceType.OneTime, InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate },
            },
            MetadataOptions = new InstanceMetadataOptionsRequest { HttpTokens = HttpTokensState.Required, HttpPutResponseHopLimit = 1, HttpEndpoint = InstanceMetadataEndpointState.Enabled },
            TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag("blenderfarm", "test"), new Tag("Name", "node-1")] }],
        });
        var launched = run.Reservation.Instances.Single();
        Assert.That(launched.InstanceId, Does.Match("^i-[0-9a-f]{17}$"));
        Assert.That(launched.State.Name.Value, Is.EqualTo("pending").Or.EqualTo("running"));
        var again = await ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, InstanceType = InstanceType.G4dnXlarge, MinCount = 1, MaxCount = 1, KeyName = "blenderfarm-test", ClientToken = "launch-1" });
        Assert.That(again.Reservation.Instances.Single().InstanceId, Is.EqualTo(launched.InstanceId), "the same client token is the same launch");

        var instance = await RunningAsync(ec2, launched.InstanceId);
        Assert.That(instance.PublicIpAddress, Does.Match(@"^127\.0\.0\.\d+$"));
        Assert.That(instance.PrivateIpAddress, Is.EqualTo(instance.PublicIpAddress));
        Assert.That(instance.Tags.ToDictionary(t => t.Key, t => t.Value), Is.EqualTo(new Dictionary<string, string> { ["blenderfarm"] = "test", ["Name"] = "node-1" }));
        Assert.That(instance.InstanceLifecycle?.Value, Is.EqualTo("spot"));
        Assert.That(instance.SpotInstanceRequestId, Does.StartWith("sir-"));
        Assert.That(instance.InstanceType?.Value, Is.EqualTo("g4dn.xlarge"));
        Assert.That(instance.Placement.AvailabilityZone, Is.EqualTo("us-east-1a"));
        Assert.That(instance.KeyName, Is.EqualTo("blenderfarm-test"));
        Assert.That(instance.ImageId, Is.EqualTo(ImageId));
        Assert.That(instance.LaunchTime, Is.Not.Null);
        Assert.That(instance.MetadataOptions.HttpTokens?.Value, Is.EqualTo("required"));
        Assert.That(instance.MetadataOptions.HttpPutResponseHopLimit, Is.EqualTo(1));
        Assert.That(instance.SecurityGroups.Single().GroupId, Is.EqualTo(group.GroupId));
        var filtered = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
        {
            Filters = [new Filter("tag:blenderfarm", ["test"]), new Filter("instance-state-name", ["pending", "running"]), new Filter("instance-lifecycle", ["spot"])],
        });
        Assert.That(filtered.Reservations.SelectMany(r => r.Instances).Select(i => i.InstanceId), Is.EqualTo(new[] { launched.InstanceId }));
        var view = fake.Instances.Single();
        Assert.That((view.UserData, view.HttpTokens, view.MarketType, view.SpotInstanceType, view.InterruptionBehavior),
            Is.EqualTo(("#!/bin/sh\necho hello\n", "required", "spot", "one-time", "terminate")));

        var session = Ssh(key, fake, instance.PublicIpAddress, "echo $HOME; echo $BLENDERFARM_IMDS");
        var lines = session.Split('\n');
        Assert.That(lines[0], Is.EqualTo(view.Home), "each instance has its own HOME");
        Assert.That(lines[1], Does.Match($@"^http://127\.0\.0\.1:\d+/{launched.InstanceId}$"));

        var console = await ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = launched.InstanceId, Latest = true });
        Assert.That(console.InstanceId, Is.EqualTo(launched.InstanceId));
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(console.Output));
        var hostKey = SshHosts.Run("ssh-keygen", "-lf", Path.Combine(view.Folder, "ssh_host_ed25519_key.pub")).Split(' ')[1];
        Assert.That(text, Does.Contain($"ec2: 256 {hostKey} root@ip-{instance.PublicIpAddress.Replace('.', '-')} (ED25519)"));
        Assert.That(text, Does.Contain(File.ReadAllText(Path.Combine(view.Folder, "ssh_host_ed25519_key.pub")).Split(' ')[1]));

        var deleteTooEarly = Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = group.GroupId }));
        Assert.That(deleteTooEarly.ErrorCode, Is.EqualTo("DependencyViolation"));

        var terminated = await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [launched.InstanceId] });
        Assert.That(terminated.TerminatingInstances.Single().CurrentState.Name.Value, Is.EqualTo("shutting-down"));
        Assert.That(terminated.TerminatingInstances.Single().PreviousState.Name.Value, Is.EqualTo("running"));
        await Poll.UntilAsync(() => fake.Instances.Single().State == "terminated", TimeSpan.FromSeconds(10), "the instance is terminated");
        Assert.That(Listens(instance.PublicIpAddress, fake.SshPort), Is.False, "sshd is gone");
        var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [launched.InstanceId] });
        Assert.That(described.Reservations.Single().Instances.Single().State.Name.Value, Is.EqualTo("terminated"));
        var twice = await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [launched.InstanceId] });
        Assert.That(twice.TerminatingInstances.Single().CurrentState.Name.Value, Is.EqualTo("terminated"));

        await ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = group.GroupId });
        await ec2.DeleteKeyPairAsync(new DeleteKeyPairRequest { KeyName = "blenderfarm-test" });
        Assert.That((fake.SecurityGroups, fake.KeyPairs), Is.EqualTo((Array.Empty<FakeSecurityGroup>(), Array.Empty<FakeKeyPair>())));
        Assert.That(fake.RefusedRequests, Is.EqualTo(new[] { "DeleteSecurityGroup: DependencyViolation: resource " + group.GroupId + " has a dependent object" }));
    }

    [Test]
    public async Task Malformed_requests_and_wrong_credentials_are_refused_with_EC2_error_codes()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);

        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, MaxCount = 1 })), Is.EqualTo("MissingParameter"));
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = "ami-0000000000000dead", InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1 })),
            Is.EqualTo("InvalidAMIID.NotFound"));
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1,
            InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions { SpotInstanceType = SpotInstanceType.OneTime, InstanceInterruptionBehavior = InstanceInterruptionBehavior.Stop },
            },
        })), Is.EqualTo("InvalidParameterCombination"));
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1, KeyName = "nobody" })),
            Is.EqualTo("InvalidKeyPair.NotFound"));
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1, UserData = "not base64!" })),
            Is.EqualTo("InvalidParameterValue"));
        var group = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "g", Description = "g" });
        Assert.That(await ErrorOf(() => ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = group.GroupId,
            IpPermissions = [new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new IpRange { CidrIp = "127.0.0.1" }] }],
        })), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await ErrorOf(() => ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k", PublicKeyMaterial = Convert.ToBase64String("not a key"u8.ToArray()) })),
            Is.EqualTo("InvalidKey.Format"));
        Assert.That(await ErrorOf(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = ["i-0123456789abcdef0"] })), Is.EqualTo("InvalidInstanceID.NotFound"));

        using var stranger = new AmazonEC2Client(new BasicAWSCredentials("AKIAWRONGWRONGWRONG0", fake.SecretKey), Config(fake));
        var refused = Assert.ThrowsAsync<AmazonEC2Exception>(() => stranger.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest()));
        Assert.That((refused.ErrorCode, (int)refused.StatusCode), Is.EqualTo(("AuthFailure", 401)));
        Assert.That(fake.RefusedRequests, Has.Count.EqualTo(9));
        Assert.That(fake.RefusedRequests[0], Is.EqualTo("RunInstances: MissingParameter: The request must contain the parameter MinCount"));
        Assert.That(fake.Instances, Is.Empty, "nothing was launched by a refused request");
    }

    [Test]
    public async Task Every_request_is_checked_against_AWSs_EC2_model_names_types_required_members_and_enums()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        using var http = new HttpClient();

        // Structures are Name.Member and lists Name.N, with EC2's names (locationName capitalised: InstanceId, Filter.N.Value.M).
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("InstanceId.1", "i-0123456789abcdef0")), Is.EqualTo("InvalidInstanceID.NotFound"));
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("Filter.1.Name", "instance-state-name"), ("Filter.1.Value.1", "running")), Is.EqualTo("OK"));
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("InstanceIds.1", "i-0123456789abcdef0")), Is.EqualTo("UnknownParameter"), "the member name, not EC2's wire name");
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("Filter.1.Values.1", "running")), Is.EqualTo("UnknownParameter"));
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("Filter.0.Name", "x")), Is.EqualTo("UnknownParameter"), "list items count from 1");
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("InstanceId", "")), Is.EqualTo("InvalidRequest"), "an empty list sent as a bare name");
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("MaxResults", "ten")), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await QueryAsync(http, fake, "DescribeInstances", ("DryRun", "yes")), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await QueryAsync(http, fake, "DescribeSpotPriceHistory", ("StartTime", "yesterday")), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await QueryAsync(http, fake, "RunInstances", ("ImageId", ImageId), ("MaxCount", "1")), Is.EqualTo("MissingParameter"));

        // The same through the real SDK: an enum value EC2 does not know, and an unknown parameter in a nested structure.
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, InstanceType = new InstanceType("g4dn.huge"), MinCount = 1, MaxCount = 1 })),
            Is.EqualTo("InvalidParameterValue"));
        Assert.That(await ErrorOf(() => ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest { InstanceTypes = [new InstanceType("g4dn.huge")] })),
            Is.EqualTo("InvalidParameterValue"));

        Assert.That(fake.RefusedRequests, Has.Count.EqualTo(11), string.Join("\n", fake.RefusedRequests));
        Assert.That(fake.RefusedRequests, Does.Contain("DescribeInstances: UnknownParameter: The parameter InstanceIds.1 is not recognized"));
        Assert.That(fake.RefusedRequests, Does.Contain("RunInstances: MissingParameter: The request must contain the parameter MinCount"));
        Assert.That(fake.RefusedRequests, Has.Some.StartsWith("DescribeInstances: InvalidParameterValue: Value (yes) for parameter DryRun is invalid."));
        Assert.That(fake.Instances, Is.Empty);
    }

    [Test]
    public async Task Tag_limits_client_tokens_the_amazon_owner_alias_and_throttling_behave_as_EC2_documents()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        static List<Tag> Tags(int count) => [.. Enumerable.Range(1, count).Select(n => new Tag($"k{n}", "v"))];
        static CreateSecurityGroupRequest Group(string name, List<Tag> tags) =>
            new() { GroupName = name, Description = name, TagSpecifications = [new TagSpecification { ResourceType = ResourceType.SecurityGroup, Tags = tags }] };

        Assert.That(await ErrorOf(() => ec2.CreateSecurityGroupAsync(Group("g1", Tags(51)))), Is.EqualTo("TagLimitExceeded"));
        Assert.That(await ErrorOf(() => ec2.CreateSecurityGroupAsync(Group("g2", [new Tag("aws:owner", "v")]))), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await ErrorOf(() => ec2.CreateSecurityGroupAsync(Group("g3", [new Tag(new string('k', 129), "v")]))), Is.EqualTo("InvalidParameterValue"));
        Assert.That(await ErrorOf(() => ec2.CreateSecurityGroupAsync(Group("g4", [new Tag("k", new string('v', 257))]))), Is.EqualTo("InvalidParameterValue"));
        var group = await ec2.CreateSecurityGroupAsync(Group("g5", Tags(48)));
        Assert.That(await ErrorOf(() => ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [group.GroupId], Tags = [new Tag("x", "1"), new Tag("y", "2"), new Tag("z", "3")] })),
            Is.EqualTo("TagLimitExceeded"));
        await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [group.GroupId], Tags = [new Tag("k1", "changed"), new Tag("x", "1"), new Tag("y", "2")] });
        Assert.That(fake.SecurityGroups.Single().Tags, Has.Count.EqualTo(50));

        var launch = new RunInstancesRequest { ImageId = ImageId, InstanceType = InstanceType.G4dnXlarge, MinCount = 1, MaxCount = 1, ClientToken = "token-1" };
        var first = await ec2.RunInstancesAsync(launch);
        Assert.That((await ec2.RunInstancesAsync(launch)).Reservation.Instances.Single().InstanceId, Is.EqualTo(first.Reservation.Instances.Single().InstanceId));
        launch.InstanceType = InstanceType.G5Xlarge;
        Assert.That(await ErrorOf(() => ec2.RunInstancesAsync(launch)), Is.EqualTo("IdempotentParameterMismatch"));
        Assert.That(fake.Instances, Has.Count.EqualTo(1));

        fake.AddImage(new FakeImage("ami-0a0a0a0a0a0a0a0a1", "ubuntu-jammy-22.04", "099720109477", new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc)));
        fake.AddImage(new FakeImage("ami-0a0a0a0a0a0a0a0a2", "al2023-ami-2023", "137112412989", new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc), OwnerAlias: "amazon"));
        var amazon = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["amazon"] });
        Assert.That(amazon.Images.Select(i => (i.ImageId, i.ImageOwnerAlias)), Is.EqualTo(new[] { ("ami-0a0a0a0a0a0a0a0a2", "amazon") }));

        fake.Throttle("DescribeAvailabilityZones", 2);
        var zones = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest());
        Assert.That(zones.AvailabilityZones, Has.Count.EqualTo(2), "the SDK retries a throttled request");
        Assert.That(fake.RefusedRequests.Count(r => r.StartsWith("DescribeAvailabilityZones: RequestLimitExceeded", StringComparison.Ordinal)), Is.EqualTo(2));
        fake.Throttle("DescribeAvailabilityZones", 10);
        var throttled = Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest()));
        Assert.That((throttled.ErrorCode, (int)throttled.StatusCode), Is.EqualTo(("RequestLimitExceeded", 503)));
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [first.Reservation.Instances.Single().InstanceId] });
    }

    [Test]
    public async Task No_capacity_for_one_type_fails_its_launch_while_another_type_launches()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        fake.NoCapacityFor("g4dn.xlarge");
        fake.WrongConsoleFingerprints = true;

        var refused = Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.RunInstancesAsync(new RunInstancesRequest { ImageId = ImageId, InstanceType = InstanceType.G4dnXlarge, MinCount = 1, MaxCount = 1 }));
        Assert.That(refused.ErrorCode, Is.EqualTo("InsufficientInstanceCapacity"));
        Assert.That(refused.Message, Does.StartWith("We currently do not have sufficient g4dn.xlarge capacity"));

        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = InstanceType.G6Xlarge, MinCount = 1, MaxCount = 1, Placement = new Placement { AvailabilityZone = "us-east-1b" },
        });
        var instance = await RunningAsync(ec2, run.Reservation.Instances.Single().InstanceId);
        Assert.That((instance.InstanceType.Value, instance.Placement.AvailabilityZone), Is.EqualTo(("g6.xlarge", "us-east-1b")));
        Assert.That(Listens(instance.PublicIpAddress, fake.SshPort), Is.True);
        var console = await ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = instance.InstanceId });
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(console.Output));
        var hostKey = SshHosts.Run("ssh-keygen", "-lf", Path.Combine(fake.Instances.Single().Folder, "ssh_host_ed25519_key.pub")).Split(' ')[1];
        Assert.That(text, Does.Contain("-----BEGIN SSH HOST KEY FINGERPRINTS-----").And.Contain("ssh-ed25519 AAAA").And.Not.Contain(hostKey),
            "WrongConsoleFingerprints: the console shows another key than the one sshd presents");
    }

    [Test]
    public async Task The_metadata_service_wants_a_token_and_announces_an_interruption_before_the_instance_is_terminated()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        var key = ClientKey(workspace);
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k", PublicKeyMaterial = Convert.ToBase64String(File.ReadAllBytes(key + ".pub")) });
        fake.ConsoleOutputDelay = TimeSpan.FromSeconds(2);
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId, InstanceType = InstanceType.G5Xlarge, MinCount = 1, MaxCount = 1, KeyName = "k",
            InstanceMarketOptions = new InstanceMarketOptionsRequest { MarketType = MarketType.Spot },
            MetadataOptions = new InstanceMetadataOptionsRequest { HttpTokens = HttpTokensState.Required },
        });
        var instance = await RunningAsync(ec2, run.Reservation.Instances.Single().InstanceId);
        var early = await ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = instance.InstanceId });
        Assert.That(early.Output, Is.Null, "no console output in the first moments, as on EC2");

        const string Notice = """
            T=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$BLENDERFARM_IMDS/latest/api/token") &&
            curl -s -w ' %{http_code}' -H "X-aws-ec2-metadata-token: $T" "$BLENDERFARM_IMDS/latest/meta-data/spot/instance-action"
            """;
        Assert.That(Ssh(key, fake, instance.PublicIpAddress, Notice), Is.EqualTo(" 404"));
        Assert.That(Ssh(key, fake, instance.PublicIpAddress, "curl -s -o /dev/null -w '%{http_code}' \"$BLENDERFARM_IMDS/latest/meta-data/spot/instance-action\""), Is.EqualTo("401"));
        Assert.That(fake.TokenlessMetadataRequests, Is.EqualTo(1));

        fake.Interrupt(instance.InstanceId, TimeSpan.FromSeconds(3));
        var notice = Ssh(key, fake, instance.PublicIpAddress, Notice);
        Assert.That(notice, Does.Match("""^\{"action":"terminate","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\} 200$"""));
        var time = DateTime.Parse(notice[30..50], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.That(time, Is.EqualTo(DateTime.UtcNow.AddMinutes(2)).Within(TimeSpan.FromSeconds(15)));

        await Poll.UntilAsync(() => fake.Instances.Single().State == "terminated", TimeSpan.FromSeconds(15), "the interrupted instance is terminated");
        Assert.That(Listens(instance.PublicIpAddress, fake.SshPort), Is.False, "sshd is gone");
        Assert.That(fake.RefusedRequests, Is.Empty);
    }

    [Test]
    public async Task Spot_prices_and_images_come_back_with_every_field_the_SDK_reads()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        fake.AddImage(new FakeImage("ami-0b1e4de4f00000002", "someone-elses-image", FakeEc2.OwnerId, DateTime.UtcNow));
        fake.SetSpotPrice("g4dn.xlarge", "us-east-1b", 0.1999m);

        var prices = await ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest
        {
            InstanceTypes = [InstanceType.G4dnXlarge], ProductDescriptions = ["Linux/UNIX"], StartTime = DateTime.UtcNow,
        });
        Assert.That(prices.SpotPriceHistory.Select(p => (p.InstanceType.Value, p.AvailabilityZone, p.Price, p.ProductDescription.Value)),
            Is.EqualTo(new[] { ("g4dn.xlarge", "us-east-1a", "0.210400", "Linux/UNIX"), ("g4dn.xlarge", "us-east-1b", "0.199900", "Linux/UNIX") }));
        Assert.That(prices.SpotPriceHistory.Select(p => p.Timestamp), Has.All.Not.Null);

        var images = await ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = [new Filter("name", ["blenderfarm-gpu-*"]), new Filter("state", ["available"])] });
        var image = images.Images.Single();
        Assert.That((image.ImageId, image.Name, image.CreationDate, image.OwnerId, image.State.Value),
            Is.EqualTo((ImageId, "blenderfarm-gpu-ubuntu-22.04-2026-10-01", "2026-10-01T09:30:00.000Z", FakeEc2.OwnerId, "available")));

        var zones = await ec2.DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest());
        Assert.That(zones.AvailabilityZones.Select(z => (z.ZoneName, z.State.Value)), Is.EqualTo(new[] { ("us-east-1a", "available"), ("us-east-1b", "available") }));
        Assert.That(fake.RefusedRequests, Is.Empty);
        Assert.That(fake.Calls, Is.EqualTo(new[] { "DescribeSpotPriceHistory", "DescribeImages", "DescribeAvailabilityZones" }));
    }

    private static AmazonEC2Config Config(FakeEc2 fake) => new() { ServiceURL = fake.ServiceUrl, AuthenticationRegion = fake.Region };

    private static AmazonEC2Client Client(FakeEc2 fake) => new(new BasicAWSCredentials(fake.AccessKey, fake.SecretKey), Config(fake));

    private static string ClientKey(Workspace workspace)
    {
        var key = workspace.PathOf("client_ed25519");
        SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "blenderfarm-test", "-f", key);
        return key;
    }

    /// <summary>Sends a raw Query request (as the SDK would sign it, as far as the fake checks) and returns "OK" or EC2's error code.</summary>
    private static async Task<string> QueryAsync(HttpClient http, FakeEc2 fake, string action, params (string Name, string Value)[] parameters)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fake.ServiceUrl)
        {
            Content = new FormUrlEncodedContent([new("Action", action), new("Version", FakeEc2.ApiVersion), .. parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))]),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={fake.AccessKey}/20261203/{fake.Region}/ec2/aws4_request");
        using var response = await http.SendAsync(request);
        if (response.IsSuccessStatusCode)
        {
            return "OK";
        }

        var error = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        return error.Descendants("Code").Single().Value;
    }

    private static async Task<string> ErrorOf(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AmazonEC2Exception e)
        {
            return e.ErrorCode;
        }

        Assert.Fail("The request was accepted.");
        return "";
    }

    private static async Task<Instance> RunningAsync(AmazonEC2Client ec2, string instanceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var described = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] });
            var instance = described.Reservations.Single().Instances.Single();
            if (instance.State.Name == InstanceStateName.Running || DateTime.UtcNow > deadline)
            {
                Assert.That(instance.State.Name.Value, Is.EqualTo("running"));
                Assert.That(instance.State.Code, Is.EqualTo(16));
                return instance;
            }

            await Task.Delay(100);
        }
    }

    private static string Ssh(string key, FakeEc2 fake, string address, string command) =>
        SshHosts.Run("ssh", "-i", key, "-p", fake.SshPort.ToString(CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", $"{Environment.UserName}@{address}", command).TrimEnd('\n');

    private static bool Listens(string address, int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
