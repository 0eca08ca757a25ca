using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Workers.Aws.Access;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>An instance BlenderFarm launched, as EC2 describes it now.</summary>
public sealed record OwnedInstance(string InstanceId, string InstanceType, string Zone, string State, DateTimeOffset LaunchedAt, string FarmId, string JobId, string? PublicAddress)
{
    /// <summary>The installation that launched it (<see cref="Tags.Owner"/>).</summary>
    public string Owner { get; init; } = "?";
}

/// <summary>Everything in the account that carries BlenderFarm's tags: for listing, reattaching, orphans and teardown.</summary>
public static class FarmInventory
{
    /// <summary>States of an instance that still runs or may run (and so may cost money).</summary>
    public static readonly IReadOnlyList<string> LiveStates = ["pending", "running", "stopping", "stopped", "shutting-down"];

    public static async Task<IReadOnlyList<OwnedInstance>> InstancesAsync(IAmazonEC2 ec2, CancellationToken cancellationToken, IEnumerable<string>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        // Ids go in a filter, not InstanceIds: EC2 refuses an empty id list, and refuses the whole call when one id
        // is unknown (not visible yet, or terminated over an hour ago), where a filter simply matches nothing.
        var wanted = ids?.ToList();
        if (wanted is { Count: 0 })
        {
            return [];
        }

        var request = new DescribeInstancesRequest { Filters = [new Filter("tag-key", [Tags.Farm])] };
        if (wanted is not null)
        {
            request.Filters.Add(new Filter("instance-id", wanted));
        }

        var found = new List<OwnedInstance>();
        do
        {
            var page = await Ec2Access.CallAsync("listing BlenderFarm's instances", () => ec2.DescribeInstancesAsync(request, cancellationToken)).ConfigureAwait(false);
            foreach (var instance in (page.Reservations ?? []).SelectMany(r => r.Instances ?? []))
            {
                var tags = (instance.Tags ?? []).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
                found.Add(new OwnedInstance(
                    instance.InstanceId,
                    instance.InstanceType?.Value ?? "?",
                    instance.Placement?.AvailabilityZone ?? "?",
                    instance.State?.Name?.Value ?? "?",
                    instance.LaunchTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : DateTimeOffset.UtcNow,
                    tags.GetValueOrDefault(Tags.Farm, "?"),
                    tags.GetValueOrDefault(Tags.Job, "?"),
                    instance.PublicIpAddress) { Owner = tags.GetValueOrDefault(Tags.Owner, "?") });
            }

            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return found;
    }

    /// <summary>How long TerminateInstances is retried while EC2 does not know a new instance yet.</summary>
    public static readonly TimeSpan TerminatePatience = TimeSpan.FromSeconds(90);

    private static readonly HashSet<string> NotYetVisible = new(StringComparer.Ordinal) { "InvalidInstanceID.NotFound" };

    public static async Task TerminateAsync(IAmazonEC2 ec2, IReadOnlyCollection<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(instanceIds);
        if (instanceIds.Count == 0)
        {
            return;
        }

        // An instance launched a moment ago may be unknown to TerminateInstances for a few seconds, yet running.
        await Ec2Access.CallAsync("terminating instances", () => Ec2Errors.RetryAsync(() =>
            ec2.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken),
            NotYetVisible, TerminatePatience, TimeProvider.System, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Waits until the instances are terminated (so their security group can go), up to <paramref name="patience"/>.</summary>
    public static async Task<bool> WaitTerminatedAsync(IAmazonEC2 ec2, IReadOnlyCollection<string> instanceIds, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var states = await InstancesAsync(ec2, cancellationToken, instanceIds).ConfigureAwait(false);
            if (states.All(i => i.State == "terminated"))
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Farms that still own a key pair, a security group or a launch template (left behind by a crash or an earlier teardown that
    /// failed), each with its job; only those of <paramref name="owner"/> unless it is null.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> FarmsWithResourcesAsync(IAmazonEC2 ec2, string? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var keys = await Ec2Access.CallAsync("listing BlenderFarm's key pairs", () =>
            ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest { Filters = [new Filter("tag-key", [Tags.Farm])] }, cancellationToken)).ConfigureAwait(false);
        var groups = await Ec2Access.CallAsync("listing BlenderFarm's security groups", () =>
            ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new Filter("tag-key", [Tags.Farm])] }, cancellationToken)).ConfigureAwait(false);
        var templates = await Ec2Access.CallAsync("listing BlenderFarm's launch templates", () =>
            ec2.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest { Filters = [new Filter("tag-key", [Tags.Farm])] }, cancellationToken)).ConfigureAwait(false);
        var farms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tags in (keys.KeyPairs ?? []).Select(k => k.Tags ?? []).Concat((groups.SecurityGroups ?? []).Select(g => g.Tags ?? []))
                     .Concat((templates.LaunchTemplates ?? []).Select(t => t.Tags ?? []))
                     .Select(tags => tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal))
                     .Where(tags => owner is null || tags.GetValueOrDefault(Tags.Owner) == owner))
        {
            farms.TryAdd(tags[Tags.Farm], tags.GetValueOrDefault(Tags.Job, "?"));
        }

        return farms;
    }
}
