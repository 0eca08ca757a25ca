using System.Xml.Linq;
using static BlenderFarm.Integration.Tests.Support.FakeEc2.Ec2Xml;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>One machine image the fake offers.</summary>
internal sealed record FakeImage(string ImageId, string Name, string OwnerId, DateTime CreationDate, string State = "available", string? OwnerAlias = null);

/// <summary>Images, spot prices and availability zones: what the coordinator reads before launching.</summary>
internal sealed partial class FakeEc2
{
    public static readonly IReadOnlyList<string> Zones = ["us-east-1a", "us-east-1b"];

    private readonly List<FakeImage> _images =
        [new("ami-0b1e4de4f00000001", "blenderfarm-gpu-ubuntu-22.04-2026-10-01", OwnerId, new DateTime(2026, 10, 1, 9, 30, 0, DateTimeKind.Utc))];

    private readonly Dictionary<(string Type, string Zone), decimal> _spotPrices = new()
    {
        [("g4dn.xlarge", "us-east-1a")] = 0.2104m,
        [("g4dn.xlarge", "us-east-1b")] = 0.2210m,
        [("g5.xlarge", "us-east-1a")] = 0.4012m,
        [("g5.xlarge", "us-east-1b")] = 0.4012m,
        [("g6.xlarge", "us-east-1a")] = 0.3350m,
        [("g6.xlarge", "us-east-1b")] = 0.3350m,
    };

    public void AddImage(FakeImage image)
    {
        lock (_gate)
        {
            _images.Add(image);
        }
    }

    public void SetSpotPrice(string instanceType, string zone, decimal price)
    {
        lock (_gate)
        {
            _spotPrices[(instanceType, zone)] = price;
        }
    }

    private IEnumerable<XElement> DescribeImages(QueryRequest q)
    {
        var owners = q.List("Owner");
        var ids = q.List("ImageId");
        var filters = q.Filters();
        q.RejectUnknown();
        foreach (var filter in filters.Where(f => f.Name is not ("name" or "state" or "image-id" or "owner-id")))
        {
            throw Ec2Error.BadRequest("InvalidParameterValue", $"The filter '{filter.Name}' is invalid");
        }

        var missing = ids.FirstOrDefault(id => _images.All(i => i.ImageId != id));
        if (missing is not null)
        {
            throw Ec2Error.BadRequest("InvalidAMIID.NotFound", $"The image id '[{missing}]' does not exist");
        }

        var found = _images.Where(i =>
            (owners.Count == 0 || owners.Contains(i.OwnerId) || (owners.Contains("self") && i.OwnerId == OwnerId) || (i.OwnerAlias is not null && owners.Contains(i.OwnerAlias)))
            && (ids.Count == 0 || ids.Contains(i.ImageId))
            && filters.All(f => f.Matches(f.Name switch { "name" => i.Name, "state" => i.State, "image-id" => i.ImageId, _ => i.OwnerId })));
        yield return Set("imagesSet", found.Select(i => new[]
        {
            E("imageId", i.ImageId), E("imageLocation", $"{i.OwnerId}/{i.Name}"), E("imageState", i.State), E("imageOwnerId", i.OwnerId), i.OwnerAlias is null ? null : E("imageOwnerAlias", i.OwnerAlias),
            E("creationDate", Time(i.CreationDate)), E("isPublic", "false"), E("architecture", "x86_64"), E("imageType", "machine"),
            E("name", i.Name), E("rootDeviceType", "ebs"), E("rootDeviceName", "/dev/sda1"), E("virtualizationType", "hvm"),
            E("hypervisor", "xen"), E("platformDetails", "Linux/UNIX"),
        }));
    }

    private IEnumerable<XElement> DescribeSpotPriceHistory(QueryRequest q)
    {
        var types = q.List("InstanceType");
        var products = q.List("ProductDescription");
        var start = q.OptionalTime("StartTime");
        var end = q.OptionalTime("EndTime");
        var zone = q.Optional("AvailabilityZone");
        var max = q.OptionalInt("MaxResults", 5, 1000);
        q.RejectUnknown();
        if (zone is not null && !Zones.Contains(zone))
        {
            throw Ec2Error.InvalidValue("AvailabilityZone", zone, "The zone does not exist in this region.");
        }

        if (start > end)
        {
            throw Ec2Error.BadRequest("InvalidParameterValue", "StartTime must be before EndTime.");
        }

        var stamp = DateTime.UtcNow.AddMinutes(-7);
        var found = _spotPrices
            .Where(p => (types.Count == 0 || types.Contains(p.Key.Type)) && (zone is null || p.Key.Zone == zone))
            .Where(_ => products.Count == 0 || products.Contains("Linux/UNIX") || products.Contains("Linux/UNIX (Amazon VPC)"))
            .OrderBy(p => p.Key.Type, StringComparer.Ordinal).ThenBy(p => p.Key.Zone, StringComparer.Ordinal)
            .Take(max ?? 1000);
        yield return Set("spotPriceHistorySet", found.Select(p => new[]
        {
            E("instanceType", p.Key.Type), E("productDescription", "Linux/UNIX"), E("spotPrice", p.Value.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture)),
            E("timestamp", Time(stamp)), E("availabilityZone", p.Key.Zone),
        }));
        yield return E("nextToken", "");
    }

    private IEnumerable<XElement> DescribeAvailabilityZones(QueryRequest q)
    {
        var names = q.List("ZoneName");
        var filters = q.Filters();
        q.RejectUnknown();
        yield return Set("availabilityZoneInfo", Zones.Where(z => (names.Count == 0 || names.Contains(z)) && filters.All(f => f.Name != "zone-name" || f.Matches(z)))
            .Select(z => new[]
            {
                E("zoneName", z), E("zoneState", "available"), E("regionName", Region), E("zoneId", "use1-az" + (z[^1] - 'a' + 1)),
                E("zoneType", "availability-zone"), E("optInStatus", "opt-in-not-required"), E("messageSet"),
            }));
    }
}
