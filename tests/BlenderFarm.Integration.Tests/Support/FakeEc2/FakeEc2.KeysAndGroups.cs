using System.Globalization;
using System.Text;
using System.Xml.Linq;
using static BlenderFarm.Integration.Tests.Support.FakeEc2.Ec2Xml;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>An imported key pair: its name, id, OpenSSH public key line and tags.</summary>
internal sealed record FakeKeyPair(string Name, string Id, string PublicKey, string Fingerprint, IReadOnlyDictionary<string, string> Tags);

/// <summary>One ingress rule: protocol, port range and the CIDR it lets in.</summary>
internal sealed record FakeIngressRule(string Protocol, int FromPort, int ToPort, string Cidr);

/// <summary>A security group: id, name, tags and its ingress rules.</summary>
internal sealed record FakeSecurityGroup(string Id, string Name, string Description, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<FakeIngressRule> Ingress);

/// <summary>Key pairs and security groups.</summary>
internal sealed partial class FakeEc2
{
    private readonly List<FakeKeyPair> _keyPairs = [];
    private readonly List<FakeSecurityGroup> _groups = [];
    private readonly Dictionary<string, DateTime> _groupCreated = new(StringComparer.Ordinal);

    public IReadOnlyList<FakeKeyPair> KeyPairs => Snapshot(() => _keyPairs);

    public IReadOnlyList<FakeSecurityGroup> SecurityGroups => Snapshot(() => _groups);

    private IEnumerable<XElement> ImportKeyPair(QueryRequest q)
    {
        var name = q.Required("KeyName");
        var material = q.Required("PublicKeyMaterial");
        var tags = q.TagSpecifications("key-pair").GetValueOrDefault("key-pair") ?? new Dictionary<string, string>();
        q.RejectUnknown();
        if (name.Length > 255)
        {
            throw Ec2Error.InvalidValue("KeyName", name, "A key name is at most 255 characters.");
        }

        string line;
        try
        {
            line = Encoding.ASCII.GetString(Convert.FromBase64String(material)).Trim();
            var fields = line.Split(' ');
            if (fields.Length < 2 || fields[0] is not ("ssh-ed25519" or "ssh-rsa") || Convert.FromBase64String(fields[1]).Length < 32)
            {
                throw new FormatException();
            }
        }
        catch (FormatException)
        {
            throw Ec2Error.BadRequest("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
        }

        if (_keyPairs.Any(k => k.Name == name))
        {
            throw Ec2Error.BadRequest("InvalidKeyPair.Duplicate", $"The keypair '{name}' already exists.");
        }

        var keyPair = new FakeKeyPair(name, FakeInstance.NewId("key-"), line, FakeInstance.Fingerprint(line)[7..] + "=", tags);
        _keyPairs.Add(keyPair);
        yield return E("keyName", name);
        yield return E("keyFingerprint", keyPair.Fingerprint);
        yield return E("keyPairId", keyPair.Id);
        yield return TagSet(tags);
    }

    private IEnumerable<XElement> DescribeKeyPairs(QueryRequest q)
    {
        var names = q.List("KeyName");
        var ids = q.List("KeyPairId");
        var filters = q.Filters();
        var includePublicKey = q.Optional("IncludePublicKey") == "true";
        q.RejectUnknown();
        var missing = names.FirstOrDefault(n => _keyPairs.All(k => k.Name != n)) ?? ids.FirstOrDefault(i => _keyPairs.All(k => k.Id != i));
        if (missing is not null)
        {
            throw Ec2Error.BadRequest("InvalidKeyPair.NotFound", $"The key pair '{missing}' does not exist");
        }

        var found = _keyPairs.Where(k => (names.Count == 0 || names.Contains(k.Name)) && (ids.Count == 0 || ids.Contains(k.Id))
            && filters.All(f => f.MatchesTags(k.Tags) ?? f.Matches(f.Name switch { "key-name" => k.Name, "key-pair-id" => k.Id, _ => throw UnknownFilter(f) })));
        yield return Set("keySet", found.Select(k => new XElement?[]
        {
            E("keyPairId", k.Id), E("keyName", k.Name), E("keyFingerprint", k.Fingerprint), E("keyType", k.PublicKey.StartsWith("ssh-rsa", StringComparison.Ordinal) ? "rsa" : "ed25519"),
            TagSet(k.Tags), includePublicKey ? E("publicKey", k.PublicKey) : null,
        }));
    }

    private IEnumerable<XElement> DeleteKeyPair(QueryRequest q)
    {
        var name = q.Optional("KeyName");
        var id = q.Optional("KeyPairId");
        q.RejectUnknown();
        if (name is null && id is null)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
        }

        var removed = _keyPairs.FirstOrDefault(k => k.Name == name || k.Id == id);
        _keyPairs.RemoveAll(k => k.Name == name || k.Id == id);
        yield return E("return", "true");
        yield return E("keyPairId", removed?.Id);
    }

    private IEnumerable<XElement> CreateSecurityGroup(QueryRequest q)
    {
        var name = q.Required("GroupName");
        var description = q.Required("GroupDescription");
        q.Optional("VpcId");
        var tags = q.TagSpecifications("security-group").GetValueOrDefault("security-group") ?? new Dictionary<string, string>();
        q.RejectUnknown();
        if (name.Length > 255 || name.StartsWith("sg-", StringComparison.OrdinalIgnoreCase) || !IsGroupText(name))
        {
            throw Ec2Error.InvalidValue("GroupName", name, "Group names are at most 255 characters of a-zA-Z0-9. _-:/()#,@[]+=&;{}!$* and may not start with sg-.");
        }

        if (description.Length > 255 || !IsGroupText(description))
        {
            throw Ec2Error.InvalidValue("GroupDescription", description, "Character sets beyond ASCII are not supported.");
        }

        if (_groups.Any(g => g.Name == name))
        {
            throw Ec2Error.BadRequest("InvalidGroup.Duplicate", $"The security group '{name}' already exists for VPC 'vpc-0fake0000000000001'");
        }

        var group = new FakeSecurityGroup(FakeInstance.NewId("sg-"), name, description, tags, []);
        _groups.Add(group);
        _groupCreated[group.Id] = DateTime.UtcNow;
        yield return E("return", "true");
        yield return E("groupId", group.Id);
        yield return TagSet(tags);
    }

    private IEnumerable<XElement> AuthorizeSecurityGroupIngress(QueryRequest q)
    {
        var groupId = q.Required("GroupId");
        var rules = new List<FakeIngressRule>();
        foreach (var n in q.Indexes("IpPermissions"))
        {
            var item = QueryRequest.Item("IpPermissions", n);
            var protocol = q.Required(item + ".IpProtocol");
            var from = q.OptionalInt(item + ".FromPort", -1, 65535) ?? -1;
            var to = q.OptionalInt(item + ".ToPort", -1, 65535) ?? -1;
            if (protocol is "tcp" or "udp" or "6" or "17" && (from < 0 || to < from))
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"Invalid port range for {protocol}: {from}-{to}.");
            }

            var cidrs = q.Indexes(item + ".IpRanges").Select(m => q.Required(QueryRequest.Item(item + ".IpRanges", m) + ".CidrIp")).ToList();
            foreach (var m in q.Indexes(item + ".IpRanges"))
            {
                q.Optional(QueryRequest.Item(item + ".IpRanges", m) + ".Description");
            }

            var bad = cidrs.FirstOrDefault(c => !QueryRequest.IsCidr(c));
            if (bad is not null)
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"CIDR block {bad} is malformed");
            }

            rules.AddRange(cidrs.Select(c => new FakeIngressRule(protocol, from, to, c)));
        }

        q.RejectUnknown();
        if (rules.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter IpPermissions");
        }

        var index = _groups.FindIndex(g => g.Id == groupId);
        if (index < 0 || DateTime.UtcNow - _groupCreated.GetValueOrDefault(groupId) < NotVisibleFor)
        {
            throw Ec2Error.BadRequest("InvalidGroup.NotFound", $"The security group '{groupId}' does not exist");
        }

        if (rules.Any(_groups[index].Ingress.Contains))
        {
            throw Ec2Error.BadRequest("InvalidPermission.Duplicate", "the specified rule already exists");
        }

        _groups[index] = _groups[index] with { Ingress = [.. _groups[index].Ingress, .. rules] };
        yield return E("return", "true");
        yield return Set("securityGroupRuleSet", rules.Select(r => new[]
        {
            E("securityGroupRuleId", FakeInstance.NewId("sgr-")), E("groupId", groupId), E("groupOwnerId", OwnerId), E("isEgress", "false"),
            E("ipProtocol", r.Protocol), E("fromPort", Number(r.FromPort)), E("toPort", Number(r.ToPort)), E("cidrIpv4", r.Cidr),
        }));
    }

    private IEnumerable<XElement> DescribeSecurityGroups(QueryRequest q)
    {
        var ids = q.List("GroupId");
        var names = q.List("GroupName");
        var filters = q.Filters();
        q.RejectUnknown();
        var missing = ids.FirstOrDefault(i => _groups.All(g => g.Id != i));
        if (missing is not null)
        {
            throw Ec2Error.BadRequest("InvalidGroup.NotFound", $"The security group '{missing}' does not exist");
        }

        var found = _groups.Where(g => (ids.Count == 0 || ids.Contains(g.Id)) && (names.Count == 0 || names.Contains(g.Name))
            && filters.All(f => f.MatchesTags(g.Tags) ?? f.Matches(f.Name switch { "group-name" => g.Name, "group-id" => g.Id, _ => throw UnknownFilter(f) })));
        yield return Set("securityGroupInfo", found.Select(g => new[]
        {
            E("ownerId", OwnerId), E("groupId", g.Id), E("groupName", g.Name), E("groupDescription", g.Description), E("vpcId", "vpc-0fake0000000000001"),
            Set("ipPermissions", g.Ingress.GroupBy(r => (r.Protocol, r.FromPort, r.ToPort)).Select(p => new[]
            {
                E("ipProtocol", p.Key.Protocol), E("fromPort", Number(p.Key.FromPort)), E("toPort", Number(p.Key.ToPort)), E("groups"),
                Set("ipRanges", p.Select(r => new[] { E("cidrIp", r.Cidr) })), E("ipv6Ranges"), E("prefixListIds"),
            })),
            Set("ipPermissionsEgress", [[E("ipProtocol", "-1"), E("groups"), Set("ipRanges", [[E("cidrIp", "0.0.0.0/0")]]), E("ipv6Ranges"), E("prefixListIds")]]),
            TagSet(g.Tags),
        }));
    }

    private IEnumerable<XElement> DeleteSecurityGroup(QueryRequest q)
    {
        var id = q.Optional("GroupId");
        var name = q.Optional("GroupName");
        q.RejectUnknown();
        if (id is null && name is null)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter GroupId");
        }

        var group = _groups.FirstOrDefault(g => g.Id == id || g.Name == name)
            ?? throw Ec2Error.BadRequest("InvalidGroup.NotFound", $"The security group '{id ?? name}' does not exist");
        if (_instances.Values.Any(i => i.State != "terminated" && i.SecurityGroupIds.Contains(group.Id)))
        {
            throw Ec2Error.BadRequest("DependencyViolation", string.Create(CultureInfo.InvariantCulture, $"resource {group.Id} has a dependent object"));
        }

        _groups.Remove(group);
        yield return E("return", "true");
        yield return E("groupId", group.Id);
    }

    /// <summary>EC2's character set for security-group names and descriptions in a VPC.</summary>
    private static bool IsGroupText(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || ". _-:/()#,@[]+=&;{}!$*".Contains(c, StringComparison.Ordinal));

    private static Ec2Error UnknownFilter(Ec2Filter filter) => Ec2Error.BadRequest("InvalidParameterValue", $"The filter '{filter.Name}' is invalid");
}
