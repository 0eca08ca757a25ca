using System.Globalization;
using System.Text.Json;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>
/// AWS's own model of the EC2 API (botocore's <c>ec2/2016-11-15/service-2.json</c>, Debian's python3-botocore), used to
/// check every request the fake receives as EC2 would: each parameter must be one the action's input shape names, with
/// a value of its type (integers within their bounds, <c>true</c>/<c>false</c>, ISO 8601 times, enum values) and every
/// required member present. Names follow the EC2 Query serializer (botocore's <c>EC2Serializer</c>): a member is sent as
/// its <c>queryName</c>, else its <c>locationName</c> with the first letter capitalised, else its member name; a list
/// item is <c>Name.N</c> (N from 1) whatever the list's member is called; a structure's member is <c>Name.Member</c>.
/// </summary>
internal sealed class Ec2Model
{
    public const string ModelPath = "/usr/lib/python3/dist-packages/botocore/data/ec2/2016-11-15/service-2.json";

    private static readonly Lazy<Ec2Model?> Loaded = new(() => File.Exists(ModelPath) ? new Ec2Model(ModelPath) : null);

    private readonly JsonElement _shapes;
    private readonly JsonElement _operations;

    private Ec2Model(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement.Clone();
        _shapes = root.GetProperty("shapes");
        _operations = root.GetProperty("operations");
    }

    /// <summary>The model, or an ignored test when python3-botocore is not installed.</summary>
    public static Ec2Model Instance => Loaded.Value ?? throw new IgnoreException($"AWS's EC2 model is not installed ({ModelPath}; apt-get install python3-botocore).");

    /// <summary>Refuses <paramref name="parameters"/> (Action and Version left out) as EC2 would, or returns.</summary>
    public void Check(string action, IReadOnlyDictionary<string, string> parameters)
    {
        if (!_operations.TryGetProperty(action, out var operation))
        {
            throw Ec2Error.BadRequest("InvalidAction", $"The action {action} is not valid for this web service.");
        }

        var input = operation.TryGetProperty("input", out var i) ? i.GetProperty("shape").GetString()! : null;
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (input is null)
            {
                throw Unknown(name);
            }

            CheckValue(name, value, Resolve(input, name));
        }

        if (input is not null)
        {
            CheckRequired(input, "", parameters.Keys);
        }
    }

    /// <summary>The scalar shape <paramref name="name"/> stands for, walking structures and lists from <paramref name="shape"/>.</summary>
    private string Resolve(string shape, string name)
    {
        var segments = name.Split('.');
        var position = 0;
        while (position < segments.Length)
        {
            var definition = _shapes.GetProperty(shape);
            switch (definition.GetProperty("type").GetString())
            {
                case "structure":
                    var member = Member(definition, segments[position]) ?? throw Unknown(name);
                    shape = member;
                    break;
                case "list":
                    if (!int.TryParse(segments[position], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                    {
                        throw Unknown(name);
                    }

                    shape = definition.GetProperty("member").GetProperty("shape").GetString()!;
                    break;
                default:
                    throw Unknown(name);
            }

            position++;
        }

        var type = _shapes.GetProperty(shape).GetProperty("type").GetString();
        if (type is "structure" or "list" or "map")
        {
            // "InstanceId=" for an empty list: the parameter names a list but carries no item.
            throw Ec2Error.BadRequest("InvalidRequest", $"The request received was invalid: {name} is a {type}, not a value.");
        }

        return shape;
    }

    /// <summary>The shape of the member sent as <paramref name="wireName"/>, or null.</summary>
    private static string? Member(JsonElement structure, string wireName)
    {
        foreach (var member in structure.GetProperty("members").EnumerateObject())
        {
            if (WireName(member) == wireName)
            {
                return member.Value.GetProperty("shape").GetString();
            }
        }

        return null;
    }

    private static string WireName(JsonProperty member)
    {
        if (member.Value.TryGetProperty("queryName", out var query))
        {
            return query.GetString()!;
        }

        if (member.Value.TryGetProperty("locationName", out var location))
        {
            var text = location.GetString()!;
            return char.ToUpperInvariant(text[0]) + text[1..];
        }

        return member.Name;
    }

    private void CheckValue(string name, string value, string shape)
    {
        var definition = _shapes.GetProperty(shape);
        switch (definition.GetProperty("type").GetString())
        {
            case "integer" or "long":
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    throw Ec2Error.InvalidValue(name, value, "It must be a whole number.");
                }

                if ((definition.TryGetProperty("min", out var min) && number < min.GetInt64()) || (definition.TryGetProperty("max", out var max) && number > max.GetInt64()))
                {
                    throw Ec2Error.InvalidValue(name, value, "It is out of range.");
                }

                break;
            case "double" or "float":
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw Ec2Error.InvalidValue(name, value, "It must be a number.");
                }

                break;
            case "boolean":
                if (value is not ("true" or "false"))
                {
                    throw Ec2Error.InvalidValue(name, value, "It must be true or false.");
                }

                break;
            case "timestamp":
                if (!DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK"],
                    CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
                {
                    throw Ec2Error.InvalidValue(name, value, "It must be an ISO 8601 time.");
                }

                break;
            case "blob":
                if (!Convert.TryFromBase64String(value, new byte[value.Length], out _))
                {
                    throw Ec2Error.InvalidValue(name, value, "It must be base64.");
                }

                break;
            case "string":
                if (definition.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == value) && !NewerInstanceFamily(shape, value, values))
                {
                    throw Ec2Error.InvalidValue(name, value, $"Valid values: {string.Join(", ", values.EnumerateArray().Select(v => v.GetString()))}.");
                }

                break;
        }
    }

    /// <summary>
    /// EC2 adds instance families faster than Debian updates its model (1.29's lacks g6): a type of a family the model does
    /// not know is taken as newer than the model, while an unknown size of a known family (g4dn.huge) is refused.
    /// </summary>
    private static bool NewerInstanceFamily(string shape, string value, JsonElement known) =>
        shape == "InstanceType" && !known.EnumerateArray().Any(v => v.GetString()!.Split('.')[0] == value.Split('.')[0]);

    /// <summary>Every required member of each structure the request sent (the input itself, and any nested one it has a member of).</summary>
    private void CheckRequired(string shape, string prefix, IEnumerable<string> names)
    {
        var definition = _shapes.GetProperty(shape);
        var sent = names.ToList();
        switch (definition.GetProperty("type").GetString())
        {
            case "structure":
                var required = definition.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal) : [];
                foreach (var member in definition.GetProperty("members").EnumerateObject())
                {
                    var wire = prefix + WireName(member);
                    var under = sent.Where(n => n == wire || n.StartsWith(wire + ".", StringComparison.Ordinal)).ToList();
                    if (under.Count == 0)
                    {
                        if (required.Contains(member.Name))
                        {
                            throw Ec2Error.BadRequest("MissingParameter", $"The request must contain the parameter {wire}");
                        }

                        continue;
                    }

                    CheckRequired(member.Value.GetProperty("shape").GetString()!, wire + ".", under);
                }

                break;
            case "list":
                var item = definition.GetProperty("member").GetProperty("shape").GetString()!;
                foreach (var group in sent.Where(n => n.Length > prefix.Length).GroupBy(n => n[prefix.Length..].Split('.')[0], StringComparer.Ordinal))
                {
                    CheckRequired(item, prefix + group.Key + ".", group);
                }

                break;
        }
    }

    private static Ec2Error Unknown(string name) => Ec2Error.BadRequest("UnknownParameter", $"The parameter {name} is not recognized");
}
