using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>What a test checks about a bucket: its tags, Block Public Access, default encryption and lifecycle rules.</summary>
internal sealed record BucketSettings(IReadOnlyDictionary<string, string> Tags, bool BlocksPublicAccess, string? Encryption, IReadOnlyList<(string Prefix, int Days, int? AbortUploadsAfterDays)> Expiry, string Region);

/// <summary>One bucket of the fake: objects, multipart uploads in progress, and its configuration documents.</summary>
internal sealed class Bucket(string region)
{
    public string Region { get; } = region;

    public Dictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, (string Key, SortedDictionary<int, StoredObject> Parts)> Uploads { get; } = new(StringComparer.Ordinal);

    public XElement? Tagging { get; set; }

    public XElement? PublicAccessBlock { get; set; }

    public XElement? Encryption { get; set; }

    public XElement? Lifecycle { get; set; }

    public BucketSettings Settings()
    {
        var tags = Tagging?.Descendants().Where(e => e.Name.LocalName == "Tag")
            .ToDictionary(t => Child(t, "Key")!, t => Child(t, "Value") ?? "", StringComparer.Ordinal) ?? [];
        var blocks = PublicAccessBlock is { } pab && new[] { "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets" }.All(n => Child(pab, n) == "true");
        var encryption = Encryption?.Descendants().FirstOrDefault(e => e.Name.LocalName == "SSEAlgorithm")?.Value;
        var rules = Lifecycle?.Elements().Where(e => e.Name.LocalName == "Rule" && Child(e, "Status") == "Enabled").Select(r => (
            Prefix: r.Descendants().FirstOrDefault(e => e.Name.LocalName == "Prefix")?.Value ?? "",
            Days: int.Parse(r.Elements().First(e => e.Name.LocalName == "Expiration").Elements().First(e => e.Name.LocalName == "Days").Value, System.Globalization.CultureInfo.InvariantCulture),
            Abort: r.Descendants().FirstOrDefault(e => e.Name.LocalName == "DaysAfterInitiation")?.Value is { } d ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : (int?)null)).ToList() ?? [];
        return new BucketSettings(tags, blocks, encryption, rules, Region);
    }

    private static string? Child(XElement element, string name) => element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}

/// <summary>An object's bytes and ETag (the MD5 of its bytes, or of its parts' MD5s with "-N" for a multipart object).</summary>
internal sealed record StoredObject(byte[] Body, string ETag, DateTimeOffset LastModified);
