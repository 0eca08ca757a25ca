using System.Globalization;
using System.Text;
using System.Xml.Linq;
using static BlenderFarm.Integration.Tests.Support.FakeEc2.Ec2Xml;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>Instances: launching (each a real sshd), describing, tagging, console output, terminating, interrupting.</summary>
internal sealed partial class FakeEc2
{
    private readonly Dictionary<string, FakeInstance> _instances = new(StringComparer.Ordinal);
    private readonly List<(string? Zone, string Type)> _noCapacity = [];
    private (string Code, string Message)? _launchRefusal;

    /// <summary>How long after launch the console output stays empty (real EC2: a few minutes).</summary>
    public TimeSpan ConsoleOutputDelay { get; set; }

    /// <summary>
    /// How long after launch DescribeInstances and GetConsoleOutput still answer InvalidInstanceID.NotFound for a new
    /// instance, as real EC2 may (its API is eventually consistent).
    /// </summary>
    public TimeSpan NotVisibleFor { get; set; }

    /// <summary>How long a terminated instance stays listed by DescribeInstances (real EC2: about an hour).</summary>
    public TimeSpan TerminatedVisibleFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>When set, instances launched afterwards print another key's fingerprint and key to their console.</summary>
    public bool WrongConsoleFingerprints { get; set; }

    /// <summary>Instances launched from now on ignore their user data, as an image without cloud-init does (they keep their own host key).</summary>
    public bool WithoutCloudInit { get; set; }

    /// <summary>Every instance ever launched, in launch order.</summary>
    public IReadOnlyList<FakeInstanceView> Instances => Snapshot(() => _instances.Values.OrderBy(i => i.LaunchedAt).Select(i => i.View()));

    /// <summary>Launches of <paramref name="instanceType"/> (in <paramref name="zone"/>, or anywhere) fail with InsufficientInstanceCapacity.</summary>
    public void NoCapacityFor(string instanceType, string? zone = null)
    {
        lock (_gate)
        {
            _noCapacity.Add((zone, instanceType));
        }
    }

    /// <summary>Every launch from now on (RunInstances, or each of a CreateFleet's overrides) fails with <paramref name="code"/> (a quota, the account, a permission, a bad parameter).</summary>
    public void RefuseLaunches(string code, string message)
    {
        lock (_gate)
        {
            _launchRefusal = (code, message);
        }
    }

    /// <summary>The machine crashes: its sshd and sessions die, yet the API still says running.</summary>
    public void Kill(string instanceId)
    {
        FakeInstance instance;
        lock (_gate)
        {
            instance = _instances[instanceId];
        }

        StopMachine(instance);
    }

    /// <summary>
    /// The spot interruption notice: instance-action answers with a time two minutes ahead, and after
    /// <paramref name="terminateAfter"/> (10 s unless given) the instance is terminated.
    /// </summary>
    public void Interrupt(string instanceId, TimeSpan? terminateAfter = null)
    {
        FakeInstance instance;
        lock (_gate)
        {
            instance = _instances[instanceId];
            instance.InterruptionTime = DateTime.UtcNow.AddMinutes(2);
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(terminateAfter ?? TimeSpan.FromSeconds(10));
            lock (_gate)
            {
                if (instance.State is "terminated" or "shutting-down")
                {
                    return;
                }

                instance.State = "shutting-down";
            }

            await FinishTerminationAsync(instance);
        });
    }

    /// <summary>Kills the instance's sshd and everything it started, once it has started.</summary>
    private void StopMachine(FakeInstance instance)
    {
        try
        {
            instance.Started.Wait();
        }
        catch (AggregateException)
        {
            // it never came up
        }

        SshHosts.Host? host;
        lock (_gate)
        {
            host = instance.Host;
        }

        host?.Kill();
    }

    private async Task FinishTerminationAsync(FakeInstance instance)
    {
        await Task.Run(() => StopMachine(instance));
        lock (_gate)
        {
            instance.State = "terminated";
        }
    }

    private DateTime? InterruptionOf(string instanceId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(instanceId, out var instance) ? instance.InterruptionTime : throw new KeyNotFoundException(instanceId);
        }
    }

    private IEnumerable<XElement> RunInstances(QueryRequest q)
    {
        var imageId = q.Required("ImageId");
        var type = q.Required("InstanceType");
        var min = q.RequiredInt("MinCount", 1, 1000);
        var max = q.RequiredInt("MaxCount", 1, 1000);
        var keyName = q.Optional("KeyName");
        var groupIds = q.List("SecurityGroupId");
        var userData = q.Optional("UserData");
        var market = q.OneOf("InstanceMarketOptions.MarketType", "spot", "capacity-block");
        var spotType = q.OneOf("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time", "persistent");
        var behavior = q.OneOf("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "hibernate", "stop", "terminate");
        var maxPrice = q.Optional("InstanceMarketOptions.SpotOptions.MaxPrice");
        var httpTokens = q.OneOf("MetadataOptions.HttpTokens", "optional", "required") ?? "optional";
        var hopLimit = q.OptionalInt("MetadataOptions.HttpPutResponseHopLimit", 1, 64) ?? 1;
        var httpEndpoint = q.OneOf("MetadataOptions.HttpEndpoint", "enabled", "disabled") ?? "enabled";
        var tagSpecs = q.TagSpecifications("instance", "volume", "spot-instances-request", "network-interface");
        var zone = q.Optional("Placement.AvailabilityZone");
        var clientToken = q.Optional("ClientToken");
        q.OneOf("InstanceInitiatedShutdownBehavior", "stop", "terminate");
        q.RejectUnknown();

        if (max < min)
        {
            throw Ec2Error.BadRequest("InvalidParameterValue", "MaxCount must be greater than or equal to MinCount.");
        }

        if (clientToken is { Length: > 64 })
        {
            throw Ec2Error.InvalidValue("ClientToken", clientToken, "A client token is at most 64 ASCII characters.");
        }

        if (clientToken is not null && _instances.Values.Where(i => i.ClientToken == clientToken).ToList() is { Count: > 0 } earlier)
        {
            if (earlier[0].ImageId != imageId || earlier[0].Type != type || earlier[0].KeyName != keyName)
            {
                throw Ec2Error.BadRequest("IdempotentParameterMismatch", $"The client token {clientToken} was used before with other parameters.");
            }

            return Reservation(earlier[0].ReservationId, earlier);
        }

        if ((spotType ?? behavior ?? maxPrice) is not null && market != "spot")
        {
            throw Ec2Error.BadRequest("InvalidParameterCombination", "SpotOptions may only be given with MarketType spot.");
        }

        if (market == "spot" && (spotType ?? "one-time") == "one-time" && (behavior ?? "terminate") != "terminate")
        {
            throw Ec2Error.BadRequest("InvalidParameterCombination",
                "The specified interruption behavior is not supported for one-time Spot Instances. Use terminate, or make the request persistent.");
        }

        if (maxPrice is not null && (!decimal.TryParse(maxPrice, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price <= 0))
        {
            throw Ec2Error.InvalidValue("InstanceMarketOptions.SpotOptions.MaxPrice", maxPrice, "It must be a positive price in dollars.");
        }

        var decodedUserData = DecodeUserData(userData);

        if (zone is not null && !Zones.Contains(zone))
        {
            throw Ec2Error.InvalidValue("Placement.AvailabilityZone", zone, "The zone does not exist in this region.");
        }

        var spec = new LaunchSpec(imageId, keyName, groupIds, decodedUserData, httpTokens, hopLimit, httpEndpoint, market, spotType, behavior,
            tagSpecs.GetValueOrDefault("instance") ?? new Dictionary<string, string>(), clientToken);
        var keyPair = CheckLaunchResources(spec);
        var placed = zone ?? Zones[0];
        CheckCapacity(type, placed);
        var reservationId = FakeInstance.NewId("r-");
        var launched = new List<FakeInstance>();
        for (var n = 0; n < max; n++)
        {
            launched.Add(Launch(spec, type, placed, reservationId, keyPair));
        }

        return Reservation(reservationId, launched);
    }

    /// <summary>User data as EC2 takes it: base64, at most 16 KiB decoded.</summary>
    private static string? DecodeUserData(string? userData)
    {
        if (userData is null)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(userData);
        }
        catch (FormatException)
        {
            throw Ec2Error.BadRequest("InvalidParameterValue", "Invalid BASE64 encoding of user data.");
        }

        return bytes.Length > 16384 ? throw Ec2Error.BadRequest("InvalidParameterValue", "User data is limited to 16384 bytes") : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>What a launch asks for besides the type and the zone (RunInstances' parameters, or a launch template's data).</summary>
    private sealed record LaunchSpec(string ImageId, string? KeyName, IReadOnlyList<string> SecurityGroupIds, string? UserData, string HttpTokens, int HopLimit,
        string HttpEndpoint, string? Market, string? SpotType, string? Behavior, IReadOnlyDictionary<string, string> InstanceTags, string? ClientToken);

    /// <summary>The image, key pair and groups a launch names must exist; returns the key pair.</summary>
    private FakeKeyPair? CheckLaunchResources(LaunchSpec spec)
    {
        if (_images.All(i => i.ImageId != spec.ImageId))
        {
            throw Ec2Error.BadRequest("InvalidAMIID.NotFound", $"The image id '[{spec.ImageId}]' does not exist");
        }

        var keyPair = spec.KeyName is null ? null
            : _keyPairs.FirstOrDefault(k => k.Name == spec.KeyName) ?? throw Ec2Error.BadRequest("InvalidKeyPair.NotFound", $"The key pair '{spec.KeyName}' does not exist");
        var missingGroup = spec.SecurityGroupIds.FirstOrDefault(g => _groups.All(x => x.Id != g));
        return missingGroup is not null ? throw Ec2Error.BadRequest("InvalidGroup.NotFound", $"The security group '{missingGroup}' does not exist") : keyPair;
    }

    /// <summary>Refuses a launch the way a launch refused by <see cref="RefuseLaunches"/> or <see cref="NoCapacityFor"/> is.</summary>
    private void CheckCapacity(string type, string placed)
    {
        if (_launchRefusal is { } refusal)
        {
            throw Ec2Error.BadRequest(refusal.Code, refusal.Message);
        }

        if (_noCapacity.Any(c => c.Type == type && (c.Zone is null || c.Zone == placed)))
        {
            throw Ec2Error.BadRequest("InsufficientInstanceCapacity",
                $"We currently do not have sufficient {type} capacity in the Availability Zone you requested ({placed}). Our system will be working on provisioning additional capacity. You can currently get {type} capacity by not specifying an Availability Zone in your request or choosing a different Availability Zone.");
        }
    }

    private FakeInstance Launch(LaunchSpec spec, string type, string placed, string reservationId, FakeKeyPair? keyPair)
    {
        var id = FakeInstance.NewId("i-");
        var spot = spec.Market == "spot";
        var instance = new FakeInstance
        {
            Id = id, ReservationId = reservationId, ImageId = spec.ImageId, Type = type, Zone = placed, Address = SshHosts.NextAddress(),
            Folder = Path.Combine(Folder, id), LaunchedAt = DateTime.UtcNow, ClientToken = spec.ClientToken, KeyName = spec.KeyName, SecurityGroupIds = spec.SecurityGroupIds,
            UserData = spec.UserData, HttpTokens = spec.HttpTokens, HopLimit = spec.HopLimit, HttpEndpoint = spec.HttpEndpoint, MarketType = spec.Market,
            SpotInstanceType = spot ? spec.SpotType ?? "one-time" : null, InterruptionBehavior = spot ? spec.Behavior ?? "terminate" : null,
            SpotRequestId = spot ? FakeInstance.NewId("sir-")[..12] : null,
        };
        foreach (var tag in spec.InstanceTags)
        {
            instance.Tags[tag.Key] = tag.Value;
        }

        _instances[id] = instance;
        var wrongKey = WrongConsoleFingerprints;
        var cloudInit = !WithoutCloudInit;
        instance.Started = Task.Run(() => BootMachine(instance, keyPair?.PublicKey ?? "", wrongKey, cloudInit));
        return instance;
    }

    private void BootMachine(FakeInstance instance, string authorizedKey, bool wrongConsoleKey, bool cloudInit)
    {
        try
        {
            Directory.CreateDirectory(Path.Combine(instance.Home));
            if (cloudInit && instance.UserData is { } userData)
            {
                CloudConfig.InstallHostKeys(userData, instance.Folder);
            }

            string? impostor = null;
            if (wrongConsoleKey)
            {
                var key = Path.Combine(instance.Folder, "impostor_ed25519");
                SshHosts.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
                impostor = string.Join(' ', File.ReadAllText(key + ".pub").Split(' ').Take(2));
            }

            var host = SshHosts.Host.Start(instance.Folder, instance.Address, authorizedKey.Trim() + "\n", port: SshPort,
                environment: new Dictionary<string, string> { ["HOME"] = instance.Home, ["BLENDERFARM_IMDS"] = _metadata.UrlFor(instance.Id) });
            lock (_gate)
            {
                instance.Host = host;
                instance.ConsoleKeyLineOverride = impostor;
                if (instance.State == "pending")
                {
                    instance.State = "running";
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _refused.Add($"RunInstances: instance {instance.Id} did not boot: {e.Message}");
                instance.State = "terminated";
            }
        }
    }

    private bool IsVisible(string id) => _instances.TryGetValue(id, out var instance) && DateTime.UtcNow - instance.LaunchedAt >= NotVisibleFor
        && !(instance.State == "terminated" && DateTime.UtcNow - instance.TerminatedAt >= TerminatedVisibleFor);

    private static IEnumerable<XElement> Reservation(string reservationId, IReadOnlyList<FakeInstance> instances)
    {
        yield return E("reservationId", reservationId);
        yield return E("ownerId", OwnerId);
        yield return E("groupSet");
        yield return Set("instancesSet", instances.Select((i, n) => InstanceXml(i, n)));
    }

    private IEnumerable<XElement> DescribeInstances(QueryRequest q)
    {
        var ids = q.List("InstanceId");
        var filters = q.Filters();
        var maxResults = q.OptionalInt("MaxResults", 5, 1000);
        q.Optional("NextToken");
        q.RejectUnknown();
        if (maxResults is not null && ids.Count > 0)
        {
            throw Ec2Error.BadRequest("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
        }

        var missing = ids.FirstOrDefault(id => !IsVisible(id));
        if (missing is not null)
        {
            throw Ec2Error.BadRequest("InvalidInstanceID.NotFound", $"The instance ID '{missing}' does not exist");
        }

        var found = _instances.Values.OrderBy(i => i.LaunchedAt).Where(i => IsVisible(i.Id)).Where(i => (ids.Count == 0 || ids.Contains(i.Id)) && filters.All(f => f.MatchesTags(i.Tags) ?? f.Matches(f.Name switch
        {
            "instance-state-name" => i.State,
            "instance-lifecycle" => i.MarketType == "spot" ? "spot" : null,
            "instance-type" => i.Type,
            "instance-id" => i.Id,
            "availability-zone" => i.Zone,
            "key-name" => i.KeyName,
            "reservation-id" => i.ReservationId,
            _ => throw UnknownFilter(f),
        })));
        yield return Set("reservationSet", found.GroupBy(i => i.ReservationId).Select(r => Reservation(r.Key, [.. r]).ToArray()));
    }

    private static XElement?[] InstanceXml(FakeInstance i, int launchIndex)
    {
        var privateName = "ip-" + i.Address.Replace('.', '-') + ".ec2.internal";
        var live = i.State != "terminated";
        return
        [
            E("instanceId", i.Id), E("imageId", i.ImageId), E("instanceState", E("code", Number(i.StateCode)), E("name", i.State)),
            E("privateDnsName", live ? privateName : ""), E("dnsName", live ? privateName : ""), E("reason", live ? "" : "User initiated"),
            E("keyName", i.KeyName), E("amiLaunchIndex", Number(launchIndex)), E("productCodes"), E("instanceType", i.Type), E("launchTime", Time(i.LaunchedAt)),
            E("placement", E("availabilityZone", i.Zone), E("groupName", ""), E("tenancy", "default")), E("monitoring", E("state", "disabled")),
            E("subnetId", "subnet-0fake000000000001"), E("vpcId", "vpc-0fake0000000000001"),
            live ? E("privateIpAddress", i.Address) : null, live ? E("ipAddress", i.Address) : null,
            Set("groupSet", i.SecurityGroupIds.Select(g => new XElement?[] { E("groupId", g), E("groupName", g) })),
            E("architecture", "x86_64"), E("rootDeviceType", "ebs"), E("rootDeviceName", "/dev/sda1"),
            i.MarketType == "spot" ? E("instanceLifecycle", "spot") : null, i.SpotRequestId is null ? null : E("spotInstanceRequestId", i.SpotRequestId),
            E("clientToken", i.ClientToken ?? ""), TagSet(i.Tags),
            E("metadataOptions", E("state", "applied"), E("httpTokens", i.HttpTokens), E("httpPutResponseHopLimit", Number(i.HopLimit)), E("httpEndpoint", i.HttpEndpoint)),
        ];
    }

    private IEnumerable<XElement> TerminateInstances(QueryRequest q)
    {
        var ids = q.List("InstanceId");
        q.RejectUnknown();
        if (ids.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter InstanceId");
        }

        var missing = ids.FirstOrDefault(id => !IsVisible(id));
        if (missing is not null)
        {
            throw Ec2Error.BadRequest("InvalidInstanceID.NotFound", $"The instance ID '{missing}' does not exist");
        }

        var changes = new List<XElement[]>();
        foreach (var instance in ids.Distinct().Select(id => _instances[id]))
        {
            var previous = (instance.StateCode, instance.State);
            if (instance.State is not ("terminated" or "shutting-down"))
            {
                instance.State = "shutting-down";
                _ = FinishTerminationAsync(instance);
            }

            changes.Add(
            [
                E("instanceId", instance.Id),
                E("currentState", E("code", Number(instance.StateCode)), E("name", instance.State)),
                E("previousState", E("code", Number(previous.StateCode)), E("name", previous.State)),
            ]);
        }

        yield return Set("instancesSet", changes);
    }

    private IEnumerable<XElement> GetConsoleOutput(QueryRequest q)
    {
        var id = q.Required("InstanceId");
        var latest = q.OneOf("Latest", "true", "false") == "true";
        q.RejectUnknown();
        var instance = (IsVisible(id) ? _instances.GetValueOrDefault(id) : null) ?? throw Ec2Error.BadRequest("InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        yield return E("instanceId", id);
        yield return E("timestamp", Time(DateTime.UtcNow));
        // The default answer is a buffer captured at state transitions (minutes late on GPU types); Latest reads the live serial port.
        if (instance.Host is not null && (latest || DateTime.UtcNow - instance.LaunchedAt >= ConsoleOutputDelay))
        {
            yield return E("output", FakeInstance.Base64(instance.ConsoleText()));
        }
    }

    private IEnumerable<XElement> CreateTags(QueryRequest q)
    {
        var resources = q.List("ResourceId");
        var tags = q.Tags("Tag");
        q.RejectUnknown();
        if (resources.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter ResourceId");
        }

        if (tags.Count == 0)
        {
            throw Ec2Error.BadRequest("MissingParameter", "The request must contain the parameter Tag");
        }

        foreach (var resource in resources)
        {
            var known = _instances.ContainsKey(resource) || _groups.Any(g => g.Id == resource) || _keyPairs.Any(k => k.Id == resource);
            if (!known)
            {
                throw Ec2Error.BadRequest(resource.StartsWith("i-", StringComparison.Ordinal) ? "InvalidInstanceID.NotFound" : "InvalidID",
                    $"The ID '{resource}' does not exist");
            }
        }

        var full = resources.FirstOrDefault(r => TagsOf(r).Keys.Union(tags.Keys, StringComparer.Ordinal).Count() > QueryRequest.MaxTags);
        if (full is not null)
        {
            throw Ec2Error.BadRequest("TagLimitExceeded", $"The maximum number of tags for resource {full} ({QueryRequest.MaxTags}) has been reached.");
        }

        foreach (var resource in resources)
        {
            Retag(resource, tags);
        }

        yield return E("return", "true");
    }

    private IReadOnlyDictionary<string, string> TagsOf(string resource) =>
        _instances.TryGetValue(resource, out var instance) ? instance.Tags
        : (IReadOnlyDictionary<string, string>?)_groups.Find(g => g.Id == resource)?.Tags ?? _keyPairs.Find(k => k.Id == resource)?.Tags ?? new Dictionary<string, string>();

    private void Retag(string resource, IReadOnlyDictionary<string, string> tags)
    {
        static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> old, IReadOnlyDictionary<string, string> added) =>
            old.Concat(added).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

        if (_instances.TryGetValue(resource, out var instance))
        {
            foreach (var tag in tags)
            {
                instance.Tags[tag.Key] = tag.Value;
            }
        }

        var group = _groups.FindIndex(g => g.Id == resource);
        if (group >= 0)
        {
            _groups[group] = _groups[group] with { Tags = Merge(_groups[group].Tags, tags) };
        }

        var key = _keyPairs.FindIndex(k => k.Id == resource);
        if (key >= 0)
        {
            _keyPairs[key] = _keyPairs[key] with { Tags = Merge(_keyPairs[key].Tags, tags) };
        }
    }
}
