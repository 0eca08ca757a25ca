using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using static BlenderFarm.Integration.Tests.Support.FakeEc2.Ec2Xml;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>A launch template: its name, id, tags, and its data as sent (<c>LaunchTemplateData.</c> left off the names).</summary>
internal sealed record FakeLaunchTemplate(string Id, string Name, DateTime CreatedAt, IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// Launch templates and instant EC2 Fleets: CreateFleet of type instant launches at once and answers with the instances
/// and one error per override it could not use (capacity, quota, a missing key pair...), idempotent by client token.
/// The fake tries the overrides in the order given where EC2's price-capacity-optimized picks the pool itself.
/// </summary>
internal sealed partial class FakeEc2
{
    private const string TemplateData = "LaunchTemplateData.";

    private readonly List<FakeLaunchTemplate> _templates = [];
    private readonly Dictionary<string, (string FleetId, IReadOnlyList<XElement> Answer)> _fleets = new(StringComparer.Ordinal);

    private readonly List<string> _fleetErrors = [];

    /// <summary>"type in zone: Code" of every override an instant fleet could not launch (EC2 answers those in the fleet's errors, not as refusals).</summary>
    public IReadOnlyList<string> FleetErrors => Snapshot(() => _fleetErrors);

    /// <summary>The launch templates that exist now.</summary>
    public IReadOnlyList<FakeLaunchTemplate> LaunchTemplates => Snapshot(() => _templates);

    [GeneratedRegex(@"^[a-zA-Z0-9().\-/_]{3,128}$")]
    private static partial Regex TemplateName();

    private IEnumerable<XElement> CreateLaunchTemplate(QueryRequest q)
    {
        var name = q.Required("LaunchTemplateName");
        q.Optional("ClientToken");
        q.Optional("VersionDescription");
        var tags = q.TagSpecifications("launch-template").GetValueOrDefault("launch-template") ?? new Dictionary<string, string>();
        var data = q.Parameters.Where(p => p.Key.StartsWith(TemplateData, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[TemplateData.Length..], p => q.Optional(p.Key)!, StringComparer.Ordinal);
        q.RejectUnknown();
        if (!TemplateName().IsMatch(name))
        {
            throw Ec2Error.InvalidValue("LaunchTemplateName", name, "3 to 128 letters, digits and ().-/_ only.");
        }

        if (data.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter LaunchTemplateData");
        }

        if (_templates.Any(t => t.Name == name))
        {
            throw Ec2Error.BadRequest("InvalidLaunchTemplateName.AlreadyExistsException", $"Launch template name already in use: {name}");
        }

        _ = DecodeUserData(data.GetValueOrDefault("UserData"));
        var template = new FakeLaunchTemplate(FakeInstance.NewId("lt-"), name, DateTime.UtcNow, tags, data);
        _templates.Add(template);
        yield return E("launchTemplate", TemplateXml(template));
    }

    private IEnumerable<XElement> DeleteLaunchTemplate(QueryRequest q)
    {
        var template = FindTemplate(q.Optional("LaunchTemplateId"), q.Optional("LaunchTemplateName"), "");
        q.RejectUnknown();
        _templates.Remove(template);
        yield return E("launchTemplate", TemplateXml(template));
    }

    private IEnumerable<XElement> DescribeLaunchTemplates(QueryRequest q)
    {
        var ids = q.List("LaunchTemplateId");
        var names = q.List("LaunchTemplateName");
        var filters = q.Filters();
        q.OptionalInt("MaxResults", 1, 200);
        q.Optional("NextToken");
        q.RejectUnknown();
        foreach (var id in ids)
        {
            FindTemplate(id, null, "");
        }

        foreach (var name in names)
        {
            FindTemplate(null, name, "");
        }

        var found = _templates.Where(t => (ids.Count == 0 || ids.Contains(t.Id)) && (names.Count == 0 || names.Contains(t.Name))
            && filters.All(f => f.MatchesTags(t.Tags) ?? f.Matches(f.Name switch { "launch-template-name" => t.Name, _ => throw UnknownFilter(f) })));
        yield return Set("launchTemplates", found.Select(TemplateXml));
    }

    private IEnumerable<XElement> CreateFleet(QueryRequest q)
    {
        var type = q.OneOf("Type", "request", "maintain", "instant") ?? "maintain";
        var clientToken = q.Optional("ClientToken");
        var total = q.RequiredInt("TargetCapacitySpecification.TotalTargetCapacity", 0, 10000);
        var capacityType = q.OneOf("TargetCapacitySpecification.DefaultTargetCapacityType", "spot", "on-demand", "capacity-block");
        var spotCapacity = q.OptionalInt("TargetCapacitySpecification.SpotTargetCapacity", 0, 10000);
        q.OptionalInt("TargetCapacitySpecification.OnDemandTargetCapacity", 0, 10000);
        q.OneOf("SpotOptions.AllocationStrategy", "lowest-price", "diversified", "capacity-optimized", "capacity-optimized-prioritized", "price-capacity-optimized");
        var behavior = q.OneOf("SpotOptions.InstanceInterruptionBehavior", "hibernate", "stop", "terminate");
        var minimum = q.OptionalInt("SpotOptions.MinTargetCapacity", 0, 10000);
        var tagSpecs = q.TagSpecifications("fleet", "instance");
        var configs = q.Indexes("LaunchTemplateConfigs").Select(n => QueryRequest.Item("LaunchTemplateConfigs", n)).Select(c => (
            Template: (Id: q.Optional(c + ".LaunchTemplateSpecification.LaunchTemplateId"), Name: q.Optional(c + ".LaunchTemplateSpecification.LaunchTemplateName"),
                Version: q.Optional(c + ".LaunchTemplateSpecification.Version") ?? "$Default"),
            Overrides: q.Indexes(c + ".Overrides").Select(n => QueryRequest.Item(c + ".Overrides", n)).Select(o => (
                Type: q.Optional(o + ".InstanceType"), Zone: q.Optional(o + ".AvailabilityZone"), MaxPrice: q.Optional(o + ".MaxPrice"))).ToList())).ToList();
        q.RejectUnknown();
        if (type != "instant")
        {
            throw Ec2Error.BadRequest("Unsupported", "This fake EC2 runs instant fleets only.");
        }

        if (clientToken is not null && _fleets.TryGetValue(clientToken, out var earlier))
        {
            return earlier.Answer;
        }

        if (configs.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter LaunchTemplateConfigs");
        }

        if (capacityType != "spot" && (spotCapacity ?? 0) < total)
        {
            throw Ec2Error.BadRequest("Unsupported", "This fake EC2 launches spot instances only: DefaultTargetCapacityType must be spot.");
        }

        if (behavior is not null and not "terminate")
        {
            throw Ec2Error.BadRequest("InvalidParameterCombination", "Instant fleets support only the terminate interruption behavior.");
        }

        var fleetId = "fleet-" + Guid.NewGuid().ToString("D");
        var launched = new List<XElement?[]>();
        var errors = new List<XElement?[]>();
        foreach (var (reference, overrides) in configs)
        {
            var template = FindTemplate(reference.Id, reference.Name, "LaunchTemplateConfigs.N.LaunchTemplateSpecification.");
            if (reference.Version is not ("$Default" or "$Latest" or "1"))
            {
                throw Ec2Error.BadRequest("InvalidLaunchTemplateId.VersionNotFound", $"Version {reference.Version} of launch template {template.Id} does not exist.");
            }

            var spec = SpecOf(template, tagSpecs.GetValueOrDefault("instance"), clientToken);
            List<(string? Type, string? Zone, string? MaxPrice)> choices = overrides.Count > 0 ? overrides : [(null, null, null)];
            foreach (var choice in choices)
            {
                if (launched.Count >= total)
                {
                    break;
                }

                var instanceType = choice.Type ?? template.Data.GetValueOrDefault("InstanceType")
                    ?? throw Ec2Error.BadRequest("MissingParameter", "The instance type must be given in the launch template or its overrides.");
                var placed = choice.Zone ?? Zones[0];
                var said = LaunchTemplateAndOverrides(template, reference.Version, instanceType, choice.Zone, choice.MaxPrice);

                try
                {
                    if (choice.Zone is not null && !Zones.Contains(choice.Zone))
                    {
                        throw Ec2Error.InvalidValue("AvailabilityZone", choice.Zone, "The zone does not exist in this region.");
                    }

                    var keyPair = CheckLaunchResources(spec);
                    CheckCapacity(instanceType, placed);
                    var instance = Launch(spec, instanceType, placed, FakeInstance.NewId("r-"), keyPair);
                    instance.Tags["aws:ec2:fleet-id"] = fleetId;
                    launched.Add([said, E("lifecycle", "spot"), E("instanceIds", E("item", instance.Id)), E("instanceType", instanceType)]);
                }
                catch (Ec2Error error)
                {
                    errors.Add([said, E("lifecycle", "spot"), E("errorCode", error.Code), E("errorMessage", error.Message)]);
                    _fleetErrors.Add($"{instanceType} in {placed}: {error.Code}");
                }
            }
        }

        if (minimum is not null && launched.Count < minimum)
        {
            throw Ec2Error.BadRequest("InsufficientInstanceCapacity", "The fleet could not launch its minimum target capacity.");
        }

        XElement[] answer = [E("fleetId", fleetId), Set("errorSet", errors), Set("fleetInstanceSet", launched)];
        if (clientToken is not null)
        {
            _fleets[clientToken] = (fleetId, answer);
        }

        return answer;
    }

    /// <summary>What a launch from <paramref name="template"/> asks for: its data, the fleet's instance tags over the template's.</summary>
    private static LaunchSpec SpecOf(FakeLaunchTemplate template, IReadOnlyDictionary<string, string>? fleetInstanceTags, string? clientToken)
    {
        var data = template.Data;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in data.Keys.Where(k => k.StartsWith("TagSpecification.", StringComparison.Ordinal) && k.EndsWith(".ResourceType", StringComparison.Ordinal)))
        {
            if (data[spec] != "instance")
            {
                continue;
            }

            var prefix = spec[..^".ResourceType".Length] + ".Tag.";
            foreach (var key in data.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.EndsWith(".Key", StringComparison.Ordinal)))
            {
                tags[data[key]] = data.GetValueOrDefault(key[..^".Key".Length] + ".Value") ?? "";
            }
        }

        foreach (var tag in fleetInstanceTags ?? new Dictionary<string, string>())
        {
            tags[tag.Key] = tag.Value;
        }

        var groups = data.Where(p => p.Key.StartsWith("SecurityGroupId.", StringComparison.Ordinal))
            .OrderBy(p => int.Parse(p.Key["SecurityGroupId.".Length..], CultureInfo.InvariantCulture)).Select(p => p.Value).ToList();
        return new LaunchSpec(
            data.GetValueOrDefault("ImageId") ?? throw Ec2Error.BadRequest("MissingParameter", $"Launch template {template.Id} names no image (ImageId)."),
            data.GetValueOrDefault("KeyName"), groups, DecodeUserData(data.GetValueOrDefault("UserData")),
            data.GetValueOrDefault("MetadataOptions.HttpTokens") ?? "optional",
            int.Parse(data.GetValueOrDefault("MetadataOptions.HttpPutResponseHopLimit") ?? "1", CultureInfo.InvariantCulture),
            data.GetValueOrDefault("MetadataOptions.HttpEndpoint") ?? "enabled", "spot", "one-time", "terminate", tags, clientToken);
    }

    private static XElement LaunchTemplateAndOverrides(FakeLaunchTemplate template, string version, string type, string? zone, string? maxPrice) =>
        E("launchTemplateAndOverrides",
            E("launchTemplateSpecification", E("launchTemplateId", template.Id), E("version", version)),
            E("overrides", E("instanceType", type), maxPrice is null ? null : E("maxPrice", maxPrice), zone is null ? null : E("availabilityZone", zone)));

    /// <summary>The template a request names by id or by name (exactly one of them), as EC2 finds it.</summary>
    private FakeLaunchTemplate FindTemplate(string? id, string? name, string where)
    {
        if ((id is null) == (name is null))
        {
            throw Ec2Error.BadRequest("MissingParameter", $"Give exactly one of {where}LaunchTemplateId and {where}LaunchTemplateName.");
        }

        return id is not null
            ? _templates.FirstOrDefault(t => t.Id == id) ?? throw Ec2Error.BadRequest("InvalidLaunchTemplateId.NotFound", $"The specified launch template, with template ID {id}, does not exist.")
            : _templates.FirstOrDefault(t => t.Name == name) ?? throw Ec2Error.BadRequest("InvalidLaunchTemplateName.NotFoundException", $"The specified launch template, with template name {name}, does not exist.");
    }

    private static XElement?[] TemplateXml(FakeLaunchTemplate t) =>
    [
        E("launchTemplateId", t.Id), E("launchTemplateName", t.Name), E("createTime", Time(t.CreatedAt)),
        E("createdBy", $"arn:aws:iam::{OwnerId}:user/blenderfarm"), E("defaultVersionNumber", "1"), E("latestVersionNumber", "1"), TagSet(t.Tags),
    ];
}
