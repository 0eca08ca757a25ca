using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>A refusal, as EC2 words it: the HTTP status, the error code and its message.</summary>
internal sealed class Ec2Error(HttpStatusCode status, string code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    public static Ec2Error BadRequest(string code, string message) => new(HttpStatusCode.BadRequest, code, message);

    public static Ec2Error InvalidValue(string name, string? value, string why) =>
        BadRequest("InvalidParameterValue", $"Value ({value}) for parameter {name} is invalid. {why}");
}

/// <summary>
/// One EC2 Query request (form-urlencoded <c>Action=...&amp;Version=...</c>): typed access to its parameters, including
/// <c>X.N</c> lists and <c>X.N.Y.M</c> nested lists, and a check that every parameter sent was one the action knows.
/// </summary>
internal sealed partial class QueryRequest
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal) { "Action", "Version" };

    /// <summary>EC2's documented tag limits: 50 per resource, keys of at most 128 characters, values of at most 256.</summary>
    public const int MaxTags = 50;

    public const int MaxTagValue = 256;

    public QueryRequest(IEnumerable<KeyValuePair<string, string>> values) => _values = new(values, StringComparer.Ordinal);

    public string? Action => _values.GetValueOrDefault("Action");

    public string? Version => _values.GetValueOrDefault("Version");

    /// <summary>Every parameter but Action and Version, as sent.</summary>
    public IReadOnlyDictionary<string, string> Parameters => _values.Where(p => p.Key is not ("Action" or "Version")).ToDictionary(StringComparer.Ordinal);

    public static QueryRequest Parse(string body)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((equals < 0 ? part : part[..equals]).Replace('+', ' '));
            var value = equals < 0 ? "" : Uri.UnescapeDataString(part[(equals + 1)..].Replace('+', ' '));
            pairs.Add(new(name, value));
        }

        return new QueryRequest(pairs);
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Required(string name)
    {
        var value = Optional(name);
        return string.IsNullOrEmpty(value)
            ? throw Ec2Error.BadRequest("MissingParameter", $"The request must contain the parameter {name}")
            : value;
    }

    public int? OptionalInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Optional(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Ec2Error.InvalidValue(name, text, $"It must be a whole number from {min} to {max}.");
    }

    public int RequiredInt(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        Required(name);
        return OptionalInt(name, min, max)!.Value;
    }

    public DateTime? OptionalTime(string name)
    {
        var text = Optional(name);
        if (text is null)
        {
            return null;
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Ec2Error.InvalidValue(name, text, "It must be an ISO 8601 time.");
    }

    /// <summary>The value must be one of <paramref name="allowed"/> (case as EC2 spells it).</summary>
    public string? OneOf(string name, params string[] allowed)
    {
        var value = Optional(name);
        return value is null || allowed.Contains(value, StringComparer.Ordinal)
            ? value
            : throw Ec2Error.InvalidValue(name, value, $"Valid values: {string.Join(", ", allowed)}.");
    }

    /// <summary>The N of every <c>prefix.N</c> or <c>prefix.N.*</c> parameter, in order; N counts from 1.</summary>
    public IReadOnlyList<int> Indexes(string prefix)
    {
        var found = new SortedSet<int>();
        foreach (var key in _values.Keys.Where(k => k.StartsWith(prefix + ".", StringComparison.Ordinal)))
        {
            var rest = key[(prefix.Length + 1)..];
            var digits = rest.Split('.')[0];
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"The parameter {key} is not a valid list item: list items count from 1.");
            }

            found.Add(n);
        }

        return [.. found];
    }

    /// <summary>The values of a <c>prefix.N</c> list.</summary>
    public IReadOnlyList<string> List(string prefix) => _values.ContainsKey(prefix)
        ? throw Ec2Error.BadRequest("InvalidRequest", $"The request received was invalid: {prefix} is an empty list.")
        : [.. Indexes(prefix).Select(n => Required(Item(prefix, n)))];

    /// <summary><c>Filter.N.Name</c> with <c>Filter.N.Value.M</c>.</summary>
    public IReadOnlyList<Ec2Filter> Filters() =>
        [.. Indexes("Filter").Select(n => new Ec2Filter(Required(Item("Filter", n) + ".Name"), List(Item("Filter", n) + ".Value")))];

    /// <summary><c>prefix.N.Key</c> / <c>prefix.N.Value</c> pairs.</summary>
    public IReadOnlyDictionary<string, string> Tags(string prefix)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in Indexes(prefix))
        {
            var key = Required(Item(prefix, n) + ".Key");
            if (key.Length > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"Tag key '{key}' is not valid: at most 128 characters, not starting with aws:.");
            }

            var value = Optional(Item(prefix, n) + ".Value") ?? "";
            if (value.Length > MaxTagValue)
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"Tag value for key '{key}' is not valid: at most {MaxTagValue} characters.");
            }

            tags[key] = value;
        }

        return tags.Count > MaxTags
            ? throw Ec2Error.BadRequest("TagLimitExceeded", $"The maximum number of tags for a resource ({MaxTags}) has been reached.")
            : tags;
    }

    /// <summary><c>TagSpecification.N.ResourceType</c> with <c>TagSpecification.N.Tag.M.Key/Value</c>, each type allowed here.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> TagSpecifications(params string[] resourceTypes)
    {
        var specs = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var n in Indexes("TagSpecification"))
        {
            var item = Item("TagSpecification", n);
            var type = Required(item + ".ResourceType");
            if (!resourceTypes.Contains(type, StringComparer.Ordinal))
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"'{type}' is not a valid taggable resource type for this operation.");
            }

            if (specs.ContainsKey(type))
            {
                throw Ec2Error.BadRequest("InvalidParameterValue", $"The same resource type may not be specified more than once in tag specifications: {type}.");
            }

            specs[type] = Tags(item + ".Tag");
        }

        return specs;
    }

    /// <summary>Refuses parameters the action does not know, as EC2 does; call after reading them all, before acting.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.FirstOrDefault(k => !_read.Contains(k));
        if (unknown is not null)
        {
            throw Ec2Error.BadRequest("UnknownParameter", $"The parameter {unknown} is not recognized");
        }
    }

    public static string Item(string prefix, int n) => string.Create(CultureInfo.InvariantCulture, $"{prefix}.{n}");

    /// <summary>Checks an IPv4 CIDR (a.b.c.d/n).</summary>
    public static bool IsCidr(string text)
    {
        var match = CidrPattern().Match(text);
        return match.Success
            && IPAddress.TryParse(match.Groups[1].Value, out _)
            && match.Groups[1].Value.Split('.').All(o => int.Parse(o, CultureInfo.InvariantCulture) <= 255)
            && int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) <= 32;
    }

    [GeneratedRegex(@"^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})/(\d{1,2})$")]
    private static partial Regex CidrPattern();
}

/// <summary>One <c>Filter.N</c>: a name and the values any of which may match.</summary>
internal sealed record Ec2Filter(string Name, IReadOnlyList<string> Values)
{
    /// <summary>Whether <paramref name="actual"/> matches one of the values, <c>*</c> and <c>?</c> being wildcards as in EC2.</summary>
    public bool Matches(string? actual) => actual is not null && Values.Any(v => Glob(v).IsMatch(actual));

    /// <summary>For <c>tag:K</c> and <c>tag-key</c> filters: whether the tags match; null when this is not a tag filter.</summary>
    public bool? MatchesTags(IReadOnlyDictionary<string, string> tags) =>
        Name == "tag-key" ? tags.Keys.Any(Matches)
        : Name.StartsWith("tag:", StringComparison.Ordinal) ? tags.TryGetValue(Name[4..], out var value) && Matches(value)
        : null;

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
}
