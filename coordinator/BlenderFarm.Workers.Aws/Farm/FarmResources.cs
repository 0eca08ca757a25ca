using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Access;

namespace BlenderFarm.Workers.Aws.Farm;

/// <summary>
/// What a farm needs before any instance starts: its key pair (imported from a fresh local key) and a security group
/// that lets only the caller's address reach SSH. Both are tagged with the farm and job, and removed at teardown.
/// </summary>
public sealed class FarmResources
{
    private FarmResources(string farmId, string jobId, string ownerId, string keyName, string securityGroupId, FarmKey key)
    {
        FarmId = farmId;
        JobId = jobId;
        OwnerId = ownerId;
        KeyName = keyName;
        SecurityGroupId = securityGroupId;
        Key = key;
    }

    public string FarmId { get; }

    public string JobId { get; }

    /// <summary>This installation's id (see <see cref="Tags.Owner"/>).</summary>
    public string OwnerId { get; }

    public string KeyName { get; }

    public string SecurityGroupId { get; }

    public FarmKey Key { get; }

    /// <summary>How long a resource created a moment ago may stay unknown to EC2's other calls.</summary>
    public static readonly TimeSpan VisibilityPatience = TimeSpan.FromSeconds(60);

    private static readonly HashSet<string> NotYetVisible = new(StringComparer.Ordinal) { "InvalidGroup.NotFound" };

    public static string KeyNameFor(string farmId) => "blenderfarm-" + farmId;

    /// <summary>Creates the farm's key pair and security group, or reuses them when a resumed job's farm still has them.</summary>
    public static async Task<FarmResources> EnsureAsync(IAmazonEC2 ec2, string farmId, string jobId, string ownerId, string keyFolder, string callerCidr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var keyName = KeyNameFor(farmId);
        var keyPath = Path.Combine(keyFolder, "id_ed25519");
        var existing = await Ec2Access.CallAsync("looking for the farm's key pair", () =>
            ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest { Filters = [new Filter("key-name", [keyName])] }, cancellationToken)).ConfigureAwait(false);
        if (existing.KeyPairs?.Any(k => k.Tags?.FirstOrDefault(t => t.Key == Tags.Owner)?.Value != ownerId) == true)
        {
            throw new UserFacingException($"The key pair {keyName} in this account belongs to another BlenderFarm installation (another machine or data folder): it is left alone; run the job again for a new farm id.");
        }

        var key = FarmKey.Load(keyPath);
        if (key is null || existing.KeyPairs is not { Count: > 0 })
        {
            if (existing.KeyPairs is { Count: > 0 })
            {
                await DeleteKeyPairAsync(ec2, keyName, cancellationToken).ConfigureAwait(false);
            }

            key = FarmKey.Create(keyPath, keyName);
            await Ec2Access.CallAsync("importing the farm's SSH key", () => ec2.ImportKeyPairAsync(new ImportKeyPairRequest
            {
                KeyName = keyName,
                PublicKeyMaterial = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(key.PublicKeyLine)),
                TagSpecifications = [TagsFor(ResourceType.KeyPair, farmId, jobId, ownerId)],
            }, cancellationToken)).ConfigureAwait(false);
        }

        var groupId = await FindSecurityGroupAsync(ec2, farmId, ownerId, cancellationToken).ConfigureAwait(false)
            ?? await CreateSecurityGroupAsync(ec2, farmId, jobId, ownerId, callerCidr, cancellationToken).ConfigureAwait(false);
        return new FarmResources(farmId, jobId, ownerId, keyName, groupId, key);
    }

    /// <summary>Tags for a resource of this farm.</summary>
    public TagSpecification TagsFor(ResourceType type) => TagsFor(type, FarmId, JobId, OwnerId);

    /// <summary>Tags for a resource of a farm: farm, job, owner, and a name the EC2 console shows.</summary>
    public static TagSpecification TagsFor(ResourceType type, string farmId, string jobId, string ownerId) => new()
    {
        ResourceType = type,
        Tags = [new Tag(Tags.Farm, farmId), new Tag(Tags.Job, jobId), new Tag(Tags.Owner, ownerId), new Tag(Tags.Name, "blenderfarm " + jobId)],
    };

    /// <summary>
    /// Removes the farm's launch templates (one outlives its launch only when that was cut short), security group, key
    /// pair and the private key; waits while instances still hold the group.
    /// Only resources tagged with <paramref name="ownerId"/> are touched (null: any owner's, for <c>teardown --all-owners</c>):
    /// another installation in the same account may have a farm of the same id.
    /// </summary>
    public static async Task DeleteAsync(IAmazonEC2 ec2, string farmId, string? ownerId, string keyFolder, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        await DeleteLaunchTemplatesAsync(ec2, farmId, ownerId, cancellationToken).ConfigureAwait(false);
        if (await FindSecurityGroupAsync(ec2, farmId, ownerId, cancellationToken).ConfigureAwait(false) is { } groupId)
        {
            var deadline = DateTime.UtcNow + patience;
            while (true)
            {
                try
                {
                    await ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = groupId }, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode == "DependencyViolation" && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidGroup.NotFound")
                {
                    break;
                }
                catch (AmazonServiceException e)
                {
                    throw new UserFacingException(Ec2Access.Explain(e, $"deleting security group {groupId}"), e);
                }
            }
        }

        if (await FindKeyPairAsync(ec2, farmId, ownerId, cancellationToken).ConfigureAwait(false) is { } keyName)
        {
            await DeleteKeyPairAsync(ec2, keyName, cancellationToken).ConfigureAwait(false);
        }

        if (Directory.Exists(keyFolder))
        {
            FarmKey.Load(Path.Combine(keyFolder, "id_ed25519"))?.Delete();
            File.Delete(Path.Combine(keyFolder, "known_hosts"));
            if (!Directory.EnumerateFileSystemEntries(keyFolder).Any())
            {
                Directory.Delete(keyFolder);
            }
        }
    }

    /// <summary>This machine's address as the internet sees it, as a single-address CIDR.</summary>
    public static async Task<string> DetectCallerCidrAsync(Uri service, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = (await http.GetStringAsync(service, cancellationToken).ConfigureAwait(false)).Trim();
            return IPAddress.TryParse(text, out var address)
                ? $"{address}/{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}"
                : throw new UserFacingException($"{service} answered '{text}', not an IP address: give your address with --aws-caller-cidr (e.g. 203.0.113.7/32).");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new UserFacingException($"This machine's public address could not be found at {service} ({e.Message.TrimEnd('.')}): give it with --aws-caller-cidr (e.g. 203.0.113.7/32).", e);
        }
    }

    private static async Task<string?> FindSecurityGroupAsync(IAmazonEC2 ec2, string farmId, string? ownerId, CancellationToken cancellationToken)
    {
        var found = await Ec2Access.CallAsync("looking for the farm's security group", () => ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = OwnedBy(farmId, ownerId),
        }, cancellationToken)).ConfigureAwait(false);
        return found.SecurityGroups is { Count: > 0 } groups ? groups[0].GroupId : null;
    }

    private static async Task DeleteLaunchTemplatesAsync(IAmazonEC2 ec2, string farmId, string? ownerId, CancellationToken cancellationToken)
    {
        var found = await Ec2Access.CallAsync("looking for the farm's launch templates", () => ec2.DescribeLaunchTemplatesAsync(new DescribeLaunchTemplatesRequest
        {
            Filters = OwnedBy(farmId, ownerId),
        }, cancellationToken)).ConfigureAwait(false);
        foreach (var template in found.LaunchTemplates ?? [])
        {
            try
            {
                await ec2.DeleteLaunchTemplateAsync(new DeleteLaunchTemplateRequest { LaunchTemplateId = template.LaunchTemplateId }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidLaunchTemplateId.NotFound")
            {
                // deleted meanwhile
            }
            catch (AmazonServiceException e)
            {
                throw new UserFacingException(Ec2Access.Explain(e, $"deleting launch template {template.LaunchTemplateName}"), e);
            }
        }
    }

    private static async Task<string?> FindKeyPairAsync(IAmazonEC2 ec2, string farmId, string? ownerId, CancellationToken cancellationToken)
    {
        var found = await Ec2Access.CallAsync("looking for the farm's key pair", () => ec2.DescribeKeyPairsAsync(new DescribeKeyPairsRequest
        {
            Filters = OwnedBy(farmId, ownerId),
        }, cancellationToken)).ConfigureAwait(false);
        return found.KeyPairs is { Count: > 0 } keys ? keys[0].KeyName : null;
    }

    /// <summary>Filters for the farm's resources, and only the owner's when one is given.</summary>
    private static List<Filter> OwnedBy(string farmId, string? ownerId) =>
        ownerId is null ? [new Filter("tag:" + Tags.Farm, [farmId])] : [new Filter("tag:" + Tags.Farm, [farmId]), new Filter("tag:" + Tags.Owner, [ownerId])];

    private static async Task<string> CreateSecurityGroupAsync(IAmazonEC2 ec2, string farmId, string jobId, string ownerId, string callerCidr, CancellationToken cancellationToken)
    {
        var created = await Ec2Access.CallAsync("creating the farm's security group", () => ec2.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = "blenderfarm-" + farmId,
            Description = "BlenderFarm job " + jobId + ": SSH from the artists machine only",
            TagSpecifications = [TagsFor(ResourceType.SecurityGroup, farmId, jobId, ownerId)],
        }, cancellationToken)).ConfigureAwait(false);
        var isV6 = callerCidr.Contains(':', StringComparison.Ordinal);
        var permission = new IpPermission { IpProtocol = "tcp", FromPort = 22, ToPort = 22 };
        if (isV6)
        {
            permission.Ipv6Ranges = [new Ipv6Range { CidrIpv6 = callerCidr, Description = "BlenderFarm coordinator" }];
        }
        else
        {
            permission.Ipv4Ranges = [new IpRange { CidrIp = callerCidr, Description = "BlenderFarm coordinator" }];
        }

        // EC2 is eventually consistent: a group created a moment ago may still be unknown to Authorize.
        await Ec2Access.CallAsync("opening SSH to this machine only", () => Ec2Errors.RetryAsync(() => ec2.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = created.GroupId,
            IpPermissions = [permission],
        }, cancellationToken), NotYetVisible, VisibilityPatience, TimeProvider.System, cancellationToken)).ConfigureAwait(false);
        return created.GroupId;
    }

    private static async Task DeleteKeyPairAsync(IAmazonEC2 ec2, string keyName, CancellationToken cancellationToken) =>
        await Ec2Access.CallAsync("deleting the farm's key pair", () =>
            ec2.DeleteKeyPairAsync(new DeleteKeyPairRequest { KeyName = keyName }, cancellationToken)).ConfigureAwait(false);
}
