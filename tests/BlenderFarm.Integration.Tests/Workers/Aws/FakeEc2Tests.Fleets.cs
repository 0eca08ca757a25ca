using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>The fake's launch templates and instant fleets, driven by the real AmazonEC2Client.</summary>
public sealed partial class FakeEc2Tests
{
    [Test]
    public async Task An_instant_fleet_launches_one_spot_instance_from_its_template_where_a_pool_has_capacity_and_answers_the_same_to_its_token()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        var key = ClientKey(workspace);
        await ec2.ImportKeyPairAsync(new ImportKeyPairRequest { KeyName = "k", PublicKeyMaterial = Convert.ToBase64String(File.ReadAllBytes(key + ".pub")) });
        var group = await ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest { GroupName = "g", Description = "BlenderFarm render nodes" });
        var template = await ec2.CreateLaunchTemplateAsync(Template("blenderfarm-test-1", "k", group.GroupId));
        Assert.That(await ErrorOf(() => ec2.CreateLaunchTemplateAsync(Template("blenderfarm-test-1", "k", group.GroupId))), Is.EqualTo("InvalidLaunchTemplateName.AlreadyExistsException"));
        fake.NoCapacityFor("g4dn.xlarge");

        var request = Fleet(template.LaunchTemplate.LaunchTemplateId, "fleet-token-1", ("g4dn.xlarge", "us-east-1a"), ("g4dn.xlarge", "us-east-1b"), ("g5.xlarge", "us-east-1b"));
        var fleet = await ec2.CreateFleetAsync(request);
        var launched = (fleet.Instances ?? []).Single();
        Assert.That((launched.InstanceType.Value, launched.LaunchTemplateAndOverrides.Overrides.AvailabilityZone, launched.Lifecycle.Value), Is.EqualTo(("g5.xlarge", "us-east-1b", "spot")));
        Assert.That((fleet.Errors ?? []).Select(e => (e.ErrorCode, e.LaunchTemplateAndOverrides.Overrides.AvailabilityZone)),
            Is.EqualTo(new[] { ("InsufficientInstanceCapacity", "us-east-1a"), ("InsufficientInstanceCapacity", "us-east-1b") }));
        var again = await ec2.CreateFleetAsync(request);
        Assert.That((again.FleetId, again.Instances.Single().InstanceIds.Single()), Is.EqualTo((fleet.FleetId, launched.InstanceIds.Single())), "the same client token is the same fleet");
        Assert.That(fake.Instances, Has.Count.EqualTo(1));

        var instance = await RunningAsync(ec2, launched.InstanceIds.Single());
        Assert.That(instance.Tags.Where(t => t.Key == "blenderfarm").Select(t => t.Value), Is.EqualTo(new[] { "test" }), "tagged from the template");
        Assert.That(instance.InstanceLifecycle?.Value, Is.EqualTo("spot"));
        var view = fake.Instances.Single();
        Assert.That((view.KeyName, view.SecurityGroupIds.Single(), view.UserData, view.HttpTokens), Is.EqualTo(("k", group.GroupId, "#!/bin/sh\necho hello\n", "required")));
        Assert.That(Listens(instance.PublicIpAddress, fake.SshPort), Is.True);

        var listed = await ec2.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { Filters = [new Filter("tag:blenderfarm", ["test"])] });
        Assert.That(listed.LaunchTemplates.Single().LaunchTemplateName, Is.EqualTo("blenderfarm-test-1"));
        await ec2.DeleteLaunchTemplateAsync(new DeleteLaunchTemplateRequest { LaunchTemplateId = template.LaunchTemplate.LaunchTemplateId });
        Assert.That(fake.LaunchTemplates, Is.Empty);
        Assert.That(await ErrorOf(() => ec2.DeleteLaunchTemplateAsync(new DeleteLaunchTemplateRequest { LaunchTemplateId = template.LaunchTemplate.LaunchTemplateId })),
            Is.EqualTo("InvalidLaunchTemplateId.NotFound"));
        await ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instance.InstanceId] });
    }

    [Test]
    public async Task An_instant_fleet_reports_a_refused_launch_per_override_and_launches_nothing()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        using var ec2 = Client(fake);
        var template = await ec2.CreateLaunchTemplateAsync(Template("blenderfarm-test-2", keyName: null, groupId: null));
        fake.RefuseLaunches("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 0 allows.");

        var fleet = await ec2.CreateFleetAsync(Fleet(template.LaunchTemplate.LaunchTemplateId, "fleet-token-2", ("g4dn.xlarge", "us-east-1a"), ("g5.xlarge", "us-east-1a")));
        Assert.That(fleet.Instances ?? [], Is.Empty);
        Assert.That((fleet.Errors ?? []).Select(e => (e.ErrorCode, e.LaunchTemplateAndOverrides.Overrides.InstanceType.Value)),
            Is.EqualTo(new[] { ("VcpuLimitExceeded", "g4dn.xlarge"), ("VcpuLimitExceeded", "g5.xlarge") }));
        Assert.That(fake.Instances, Is.Empty);

        Assert.That(await ErrorOf(() => ec2.CreateFleetAsync(Fleet("lt-0000000000000dead", "fleet-token-3", ("g5.xlarge", "us-east-1a")))), Is.EqualTo("InvalidLaunchTemplateId.NotFound"));
        var bad = Fleet(template.LaunchTemplate.LaunchTemplateId, "fleet-token-4", ("g5.xlarge", "us-east-1a"));
        bad.SpotOptions.InstanceInterruptionBehavior = SpotInstanceInterruptionBehavior.Stop;
        Assert.That(await ErrorOf(() => ec2.CreateFleetAsync(bad)), Is.EqualTo("InvalidParameterCombination"));
    }

    private static CreateLaunchTemplateRequest Template(string name, string? keyName, string? groupId) => new()
    {
        LaunchTemplateName = name,
        LaunchTemplateData = new RequestLaunchTemplateData
        {
            ImageId = ImageId,
            KeyName = keyName,
            SecurityGroupIds = groupId is null ? null : [groupId],
            UserData = Convert.ToBase64String(Encoding.UTF8.GetBytes("#!/bin/sh\necho hello\n")),
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            MetadataOptions = new LaunchTemplateInstanceMetadataOptionsRequest
            {
                HttpTokens = LaunchTemplateHttpTokensState.Required, HttpPutResponseHopLimit = 1, HttpEndpoint = LaunchTemplateInstanceMetadataEndpointState.Enabled,
            },
            TagSpecifications = [new LaunchTemplateTagSpecificationRequest { ResourceType = ResourceType.Instance, Tags = [new Tag("blenderfarm", "test")] }],
        },
        TagSpecifications = [new TagSpecification { ResourceType = ResourceType.LaunchTemplate, Tags = [new Tag("blenderfarm", "test")] }],
    };

    private static CreateFleetRequest Fleet(string templateId, string token, params (string Type, string Zone)[] pools) => new()
    {
        Type = FleetType.Instant,
        ClientToken = token,
        TargetCapacitySpecification = new TargetCapacitySpecificationRequest { TotalTargetCapacity = 1, DefaultTargetCapacityType = DefaultTargetCapacityType.Spot },
        SpotOptions = new SpotOptionsRequest { AllocationStrategy = SpotAllocationStrategy.PriceCapacityOptimized },
        LaunchTemplateConfigs =
        [
            new FleetLaunchTemplateConfigRequest
            {
                LaunchTemplateSpecification = new FleetLaunchTemplateSpecificationRequest { LaunchTemplateId = templateId, Version = "$Latest" },
                Overrides = [.. pools.Select(p => new FleetLaunchTemplateOverridesRequest { InstanceType = InstanceType.FindValue(p.Type), AvailabilityZone = p.Zone })],
            },
        ],
    };
}
