using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.HostKeys;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>One launched spot instance, as EC2 reported it at launch; <paramref name="HostKeyLine"/>: the host key handed to it through cloud-init, if any.</summary>
public sealed record LaunchedInstance(string InstanceId, string InstanceType, string Zone, DateTimeOffset LaunchedAt, string? HostKeyLine = null);

/// <summary>
/// Launches one spot instance (one-time request, terminated on interruption, IMDSv2 only, tagged with farm and job),
/// trying the instance types in order of preference and each zone in turn while EC2 has no capacity for them. A type
/// with no known spot price is skipped (its cost could not be counted). Any refusal other than capacity
/// (<see cref="Ec2Errors"/>) throws <see cref="UserFacingException"/>: the fleet stops and tears down.
/// </summary>
public sealed class SpotLauncher(IAmazonEC2 ec2, AwsOptions options, FarmResources farm, string imageId, Func<string, string?, bool> hasPrice, string region)
{
    /// <summary>Launches one instance, or returns null with the reasons when no type or zone has capacity.</summary>
    public async Task<(LaunchedInstance? Instance, IReadOnlyList<string> Refusals)> LaunchAsync(CancellationToken cancellationToken)
    {
        var refusals = new List<string>();
        var zones = options.Zones.Count > 0 ? options.Zones.Select(z => (string?)z).ToList() : [null];
        foreach (var type in options.InstanceTypes)
        {
            foreach (var zone in zones)
            {
                if (!hasPrice(type, zone))
                {
                    refusals.Add($"{type}{(zone is null ? "" : " in " + zone)}: no spot price");
                    continue;
                }

                var hostKey = options.HostKeys == HostKeySource.CloudInit ? CloudInitHostKey.New() : null;
                var request = Request(type, zone, hostKey);
                try
                {
                    var response = await ec2.RunInstancesAsync(request, cancellationToken).ConfigureAwait(false);
                    var instance = response.Reservation.Instances[0];
                    return (new LaunchedInstance(instance.InstanceId, type, instance.Placement?.AvailabilityZone ?? zone ?? "",
                        instance.LaunchTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : DateTimeOffset.UtcNow, hostKey?.PublicKeyLine), refusals);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await TerminateLaunchedByAsync(request).ConfigureAwait(false);
                    throw;
                }
                catch (AmazonEC2Exception e) when (Ec2Errors.KindOf(e.ErrorCode) == Ec2ErrorKind.Capacity)
                {
                    refusals.Add($"{type}{(zone is null ? "" : " in " + zone)}: {e.ErrorCode}");
                }
                catch (AmazonEC2Exception e) when (Ec2Errors.KindOf(e.ErrorCode) == Ec2ErrorKind.Quota)
                {
                    throw new UserFacingException(Ec2Errors.QuotaSentence(e.ErrorCode, type, region), e);
                }
                catch (AmazonServiceException e)
                {
                    throw new UserFacingException(Ec2Access.Explain(e, $"launching a {type} spot instance"), e);
                }
            }
        }

        return (null, refusals);
    }

    /// <summary>How long the clean-up after a cancelled launch may take before it gives up (teardown finds the rest).</summary>
    private static readonly TimeSpan CancelledLaunchPatience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stopped (Ctrl+C) while RunInstances was in flight: EC2 may have launched the instance without us hearing of it.
    /// RunInstances is idempotent by client token, so the same request again returns the instance that call launched
    /// (or launches it, if the first never arrived), and that instance is terminated at once.
    /// </summary>
    private async Task TerminateLaunchedByAsync(RunInstancesRequest request)
    {
        using var patience = new CancellationTokenSource(CancelledLaunchPatience);
        try
        {
            var again = await ec2.RunInstancesAsync(request, patience.Token).ConfigureAwait(false);
            var ids = (again.Reservation?.Instances ?? []).Select(i => i.InstanceId).ToList();
            await FarmInventory.TerminateAsync(ec2, ids, patience.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or UserFacingException or OperationCanceledException or HttpRequestException)
        {
            // Nothing more can be done now: the farm's group stays while such an instance runs, and 'teardown' ends both.
        }
    }

    private RunInstancesRequest Request(string type, string? zone, CloudInitHostKey? hostKey)
    {
        var request = new RunInstancesRequest
        {
            ImageId = imageId,
            InstanceType = InstanceType.FindValue(type),
            MinCount = 1,
            MaxCount = 1,
            KeyName = farm.KeyName,
            SecurityGroupIds = [farm.SecurityGroupId],
            ClientToken = Guid.NewGuid().ToString("N"),
            InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions
                {
                    SpotInstanceType = SpotInstanceType.OneTime,
                    InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate,
                },
            },
            MetadataOptions = new InstanceMetadataOptionsRequest
            {
                HttpTokens = HttpTokensState.Required,
                HttpPutResponseHopLimit = 1,
                HttpEndpoint = InstanceMetadataEndpointState.Enabled,
            },
            InstanceInitiatedShutdownBehavior = ShutdownBehavior.Terminate,
            TagSpecifications =
            [
                farm.TagsFor(ResourceType.Instance),
                farm.TagsFor(ResourceType.Volume),
            ],
        };
        if (hostKey is not null)
        {
            request.UserData = hostKey.UserData;
        }

        if (zone is not null)
        {
            request.Placement = new Placement { AvailabilityZone = zone };
        }

        return request;
    }
}
