using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.HostKeys;
using BlenderFarm.Workers.Aws.Pricing;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>One launched spot instance, as EC2 reported it at launch (<paramref name="LaunchedAt"/>: when CreateFleet answered); <paramref name="HostKeyLine"/>: the host key handed to it through cloud-init, if any.</summary>
public sealed record LaunchedInstance(string InstanceId, string InstanceType, string Zone, DateTimeOffset LaunchedAt, string? HostKeyLine = null);

/// <summary>
/// Launches one spot instance (terminated on interruption, IMDSv2 only, tagged with farm and job) with one instant EC2
/// Fleet over every allowed instance type in every zone at once, letting EC2 pick the pool (price-capacity-optimized), as
/// AWS recommends for spot. The instance's launch template (its own user data, with its own host key) lives only for the
/// launch. A type or zone with no known spot price is left out (its cost could not be counted). A pool EC2 has no capacity
/// for is reported back; any other refusal (<see cref="Ec2Errors"/>) throws <see cref="UserFacingException"/>: the fleet
/// stops and tears down.
/// </summary>
public sealed class SpotLauncher(IAmazonEC2 ec2, AwsOptions options, FarmResources farm, string imageId, IReadOnlyList<SpotQuote> prices, string region, TimeProvider time)
{
    /// <summary>How long the clean-up after a cancelled launch may take before it gives up (teardown finds the rest).</summary>
    private static readonly TimeSpan CancelledLaunchPatience = TimeSpan.FromSeconds(30);

    /// <summary>Launches one instance, or returns null with the reasons when no type or zone has capacity.</summary>
    public async Task<(LaunchedInstance? Instance, IReadOnlyList<string> Refusals)> LaunchAsync(CancellationToken cancellationToken)
    {
        var refusals = new List<string>();
        var pools = Pools(refusals);
        if (pools.Count == 0)
        {
            return (null, refusals);
        }

        var hostKey = options.HostKeys == HostKeySource.CloudInit ? CloudInitHostKey.New() : null;
        var token = Guid.NewGuid().ToString("N");
        var templateId = await CreateTemplateAsync(token, hostKey, cancellationToken).ConfigureAwait(false);
        var request = FleetRequest(templateId, token, pools);
        try
        {
            var fleet = await ec2.CreateFleetAsync(request, cancellationToken).ConfigureAwait(false);
            var launched = (fleet.Instances ?? []).FirstOrDefault(i => i.InstanceIds is { Count: > 0 });
            if (launched is not null)
            {
                var zone = launched.LaunchTemplateAndOverrides?.Overrides?.AvailabilityZone ?? "";
                return (new LaunchedInstance(launched.InstanceIds[0], launched.InstanceType?.Value ?? pools[0].Type, zone, time.GetUtcNow(), hostKey?.PublicKeyLine), refusals);
            }

            foreach (var error in fleet.Errors ?? [])
            {
                var pool = error.LaunchTemplateAndOverrides?.Overrides;
                var where = $"{pool?.InstanceType?.Value ?? "?"}{(string.IsNullOrEmpty(pool?.AvailabilityZone) ? "" : " in " + pool.AvailabilityZone)}";
                switch (Ec2Errors.KindOf(error.ErrorCode))
                {
                    case Ec2ErrorKind.Capacity or Ec2ErrorKind.Transient:
                        refusals.Add($"{where}: {error.ErrorCode}");
                        break;
                    case Ec2ErrorKind.Quota:
                        throw new UserFacingException(Ec2Errors.QuotaSentence(error.ErrorCode, pool?.InstanceType?.Value ?? pools[0].Type, region));
                    default:
                        throw new UserFacingException(Ec2Access.Explain(new AmazonEC2Exception(error.ErrorMessage ?? error.ErrorCode) { ErrorCode = error.ErrorCode },
                            $"launching a spot instance ({where})"));
                }
            }

            return (null, refusals);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TerminateLaunchedByAsync(request).ConfigureAwait(false);
            throw;
        }
        catch (AmazonEC2Exception e) when (Ec2Errors.KindOf(e.ErrorCode) == Ec2ErrorKind.Capacity)
        {
            refusals.Add($"{string.Join(", ", pools.Select(p => p.Type).Distinct())}: {e.ErrorCode}");
            return (null, refusals);
        }
        catch (AmazonEC2Exception e) when (Ec2Errors.KindOf(e.ErrorCode) == Ec2ErrorKind.Quota)
        {
            throw new UserFacingException(Ec2Errors.QuotaSentence(e.ErrorCode, pools[0].Type, region), e);
        }
        catch (AmazonServiceException e)
        {
            throw new UserFacingException(Ec2Access.Explain(e, "launching a spot instance"), e);
        }
        finally
        {
            await DeleteTemplateAsync(templateId).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every (type, zone) pool with a known spot price for the type: the zones the user allowed, else every zone EC2
    /// quoted a price in; the others are noted in <paramref name="refusals"/>.
    /// </summary>
    private List<(string Type, string Zone)> Pools(List<string> refusals)
    {
        var pools = new List<(string Type, string Zone)>();
        foreach (var type in options.InstanceTypes)
        {
            var zones = options.Zones.Count > 0 ? options.Zones : [.. prices.Where(p => p.InstanceType == type).Select(p => p.Zone).Where(z => z.Length > 0).Distinct()];
            foreach (var zone in zones)
            {
                if (SpotPrices.For(prices, type, zone) is not null)
                {
                    pools.Add((type, zone));
                }
                else
                {
                    refusals.Add($"{type} in {zone}: no spot price");
                }
            }

            if (zones.Count == 0)
            {
                refusals.Add($"{type}: no spot price");
            }
        }

        return pools;
    }

    /// <summary>The launch template for one instance: the image, the farm's key and group, IMDSv2 only, tags, and this instance's user data.</summary>
    private async Task<string> CreateTemplateAsync(string token, CloudInitHostKey? hostKey, CancellationToken cancellationToken)
    {
        var data = new RequestLaunchTemplateData
        {
            ImageId = imageId,
            KeyName = farm.KeyName,
            SecurityGroupIds = [farm.SecurityGroupId],
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            MetadataOptions = new LaunchTemplateInstanceMetadataOptionsRequest
            {
                HttpTokens = LaunchTemplateHttpTokensState.Required,
                HttpPutResponseHopLimit = 1,
                HttpEndpoint = LaunchTemplateInstanceMetadataEndpointState.Enabled,
            },
            TagSpecifications = [.. new[] { ResourceType.Instance, ResourceType.Volume }
                .Select(type => new LaunchTemplateTagSpecificationRequest { ResourceType = type, Tags = farm.TagsFor(type).Tags })],
            UserData = hostKey?.UserData,
        };
        var created = await Ec2Access.CallAsync("creating the launch template", () => ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = farm.KeyName + "-" + token,
            ClientToken = token,
            LaunchTemplateData = data,
            TagSpecifications = [farm.TagsFor(ResourceType.LaunchTemplate)],
        }, cancellationToken)).ConfigureAwait(false);
        return created.LaunchTemplate.LaunchTemplateId;
    }

    private static CreateFleetRequest FleetRequest(string templateId, string token, List<(string Type, string Zone)> pools) => new()
    {
        Type = FleetType.Instant,
        ClientToken = token,
        TargetCapacitySpecification = new TargetCapacitySpecificationRequest { TotalTargetCapacity = 1, DefaultTargetCapacityType = DefaultTargetCapacityType.Spot },
        SpotOptions = new SpotOptionsRequest
        {
            AllocationStrategy = SpotAllocationStrategy.PriceCapacityOptimized,
            InstanceInterruptionBehavior = SpotInstanceInterruptionBehavior.Terminate,
        },
        LaunchTemplateConfigs =
        [
            new FleetLaunchTemplateConfigRequest
            {
                LaunchTemplateSpecification = new FleetLaunchTemplateSpecificationRequest { LaunchTemplateId = templateId, Version = "$Latest" },
                Overrides = [.. pools.Select(p => new FleetLaunchTemplateOverridesRequest { InstanceType = InstanceType.FindValue(p.Type), AvailabilityZone = p.Zone })],
            },
        ],
    };

    /// <summary>
    /// Stopped (Ctrl+C) while CreateFleet was in flight: EC2 may have launched the instance without us hearing of it.
    /// CreateFleet is idempotent by client token, so the same request again answers with the instance that call launched
    /// (or launches it, if the first never arrived), and that instance is terminated at once.
    /// </summary>
    private async Task TerminateLaunchedByAsync(CreateFleetRequest request)
    {
        using var patience = new CancellationTokenSource(CancelledLaunchPatience);
        try
        {
            var again = await ec2.CreateFleetAsync(request, patience.Token).ConfigureAwait(false);
            var ids = (again.Instances ?? []).SelectMany(i => i.InstanceIds ?? []).ToList();
            await FarmInventory.TerminateAsync(ec2, ids, patience.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or UserFacingException or OperationCanceledException or HttpRequestException)
        {
            // Nothing more can be done now: the farm's group stays while such an instance runs, and 'teardown' ends both.
        }
    }

    /// <summary>The template is needed only while CreateFleet runs (the instance keeps its own copy); teardown deletes one left behind.</summary>
    private async Task DeleteTemplateAsync(string templateId)
    {
        using var patience = new CancellationTokenSource(CancelledLaunchPatience);
        try
        {
            await ec2.DeleteLaunchTemplateAsync(new DeleteLaunchTemplateRequest { LaunchTemplateId = templateId }, patience.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or OperationCanceledException or HttpRequestException)
        {
            // 'teardown' and the next run's orphan clean-up delete the farm's templates by tag.
        }
    }
}
