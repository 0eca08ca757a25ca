using System.Globalization;
using System.Text.Json;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>
/// AWS's own model of the S3 API (botocore's <c>s3/2006-03-01/service-2.json</c>, Debian's python3-botocore), used to
/// find which operation a REST request is (method, <c>/{Bucket}</c> or <c>/{Bucket}/{Key+}</c>, the literal query
/// keys of its requestUri, its required members) and to check it as S3 would: every <c>x-amz-*</c> header and every
/// query parameter must be a member of the operation's input, enum-typed headers must carry one of the enum's values,
/// integer ones an integer, and every required member (URI, query, header or XML payload) must be present, the payload
/// with its root element named as the model says.
/// </summary>
internal sealed class S3Model
{
    public const string ModelPath = "/usr/lib/python3/dist-packages/botocore/data/s3/2006-03-01/service-2.json";

    /// <summary>Headers of the transport and of SigV4 itself, not members of any operation.</summary>
    private static readonly HashSet<string> SigningHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "x-amz-user-agent", "x-amz-decoded-content-length", "x-amz-api-version",
    };

    private static readonly Lazy<S3Model?> Loaded = new(() => File.Exists(ModelPath) ? new S3Model(ModelPath) : null);

    private readonly JsonElement _shapes;
    private readonly JsonElement _operations;

    private S3Model(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement.Clone();
        _shapes = root.GetProperty("shapes");
        _operations = root.GetProperty("operations");
    }

    public static S3Model Instance => Loaded.Value ?? throw new IgnoreException($"AWS's S3 model is not installed ({ModelPath}; apt-get install python3-botocore).");

    /// <summary>The operation <paramref name="method"/> on this path and query names, checked against its input; throws an <see cref="S3Error"/> as S3 would.</summary>
    public string Resolve(string method, bool hasKey, IReadOnlyDictionary<string, string> query, Func<string, string?> header, IEnumerable<string> headerNames, bool hasBody, string? bodyRoot)
    {
        var candidates = new List<(string Name, JsonElement Input, int Literals, int Missing, int Required, bool Deprecated)>();
        foreach (var operation in _operations.EnumerateObject())
        {
            var http = operation.Value.GetProperty("http");
            if (http.GetProperty("method").GetString() != method)
            {
                continue;
            }

            var uri = http.GetProperty("requestUri").GetString()!;
            var (path, literal) = uri.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? (uri[..q], uri[(q + 1)..]) : (uri, "");
            if (path.Contains("{Key+}", StringComparison.Ordinal) != hasKey)
            {
                continue;
            }

            var literals = literal.Length == 0 ? [] : literal.Split('&');
            if (!literals.All(l => l.Split('=') is var kv && query.TryGetValue(kv[0], out var v) && (kv.Length == 1 || v == kv[1])))
            {
                continue;
            }

            var input = operation.Value.TryGetProperty("input", out var i) ? _shapes.GetProperty(i.GetProperty("shape").GetString()!) : default;
            var required = Required(input).ToList();
            var missing = required.Count(r => !IsPresent(input, r, query, header, hasBody));
            var deprecated = operation.Value.TryGetProperty("deprecated", out var d) && d.GetBoolean();
            candidates.Add((operation.Name, input, literals.Length, missing, required.Count, deprecated));
        }

        if (candidates.Count == 0)
        {
            throw new S3Error(System.Net.HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"The specified method {method} is not allowed against this resource.");
        }

        var best = candidates.OrderBy(c => c.Missing).ThenBy(c => c.Deprecated).ThenByDescending(c => c.Literals).ThenByDescending(c => c.Required).First();
        Check(best.Name, best.Input, query, header, headerNames, hasBody, bodyRoot);
        return best.Name;
    }

    private void Check(string operation, JsonElement input, IReadOnlyDictionary<string, string> query, Func<string, string?> header, IEnumerable<string> headerNames, bool hasBody, string? bodyRoot)
    {
        var uri = _operations.GetProperty(operation).GetProperty("http").GetProperty("requestUri").GetString()!;
        var members = input.ValueKind == JsonValueKind.Object ? input.GetProperty("members").EnumerateObject().ToList() : [];
        foreach (var name in query.Keys)
        {
            var isLiteral = uri.Contains("?" + name, StringComparison.Ordinal) || uri.Contains("&" + name, StringComparison.Ordinal);
            if (!isLiteral && !members.Any(m => Location(m.Value) == "querystring" && LocationName(m) == name))
            {
                throw S3Error.BadRequest("InvalidArgument", $"{operation} has no query parameter '{name}'.");
            }
        }

        // The httpChecksum trait lets a client send the flexible checksum header (x-amz-checksum-ALGORITHM) of the body.
        var flexibleChecksum = _operations.GetProperty(operation).TryGetProperty("httpChecksum", out var trait)
            && (trait.TryGetProperty("requestAlgorithmMember", out _) || trait.TryGetProperty("requestChecksumRequired", out _));
        foreach (var name in headerNames.Where(h => h.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !SigningHeaders.Contains(h)))
        {
            if (flexibleChecksum && name.ToLowerInvariant() is "x-amz-checksum-crc32" or "x-amz-checksum-crc32c" or "x-amz-checksum-sha1" or "x-amz-checksum-sha256")
            {
                continue;
            }

            var member = members.FirstOrDefault(m =>
                (Location(m.Value) == "header" && string.Equals(LocationName(m), name, StringComparison.OrdinalIgnoreCase))
                || (Location(m.Value) == "headers" && name.StartsWith(LocationName(m), StringComparison.OrdinalIgnoreCase)));
            if (member.Value.ValueKind == JsonValueKind.Undefined)
            {
                throw S3Error.BadRequest("InvalidArgument", $"{operation} has no header '{name}'.");
            }

            if (Location(member.Value) == "header")
            {
                CheckValue(operation, name, header(name)!, member.Value.GetProperty("shape").GetString()!);
            }
        }

        foreach (var required in Required(input))
        {
            if (!IsPresent(input, required, query, header, hasBody))
            {
                throw S3Error.BadRequest("MissingParameter", $"{operation} requires {required}.");
            }
        }

        if (hasBody && input.ValueKind == JsonValueKind.Object && input.TryGetProperty("payload", out var payload) && input.GetProperty("members").GetProperty(payload.GetString()!) is var member2
            && _shapes.GetProperty(member2.GetProperty("shape").GetString()!).GetProperty("type").GetString() == "structure")
        {
            var root = member2.TryGetProperty("locationName", out var l) ? l.GetString()! : member2.GetProperty("shape").GetString()!;
            if (bodyRoot != root)
            {
                throw S3Error.BadRequest("MalformedXML", $"{operation}'s body must be a <{root}> document, not <{bodyRoot}>.");
            }
        }
    }

    private void CheckValue(string operation, string name, string value, string shape)
    {
        var definition = _shapes.GetProperty(shape);
        if (definition.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.GetString() == value))
        {
            throw S3Error.BadRequest("InvalidArgument", $"{operation}: '{value}' is not a valid value for {name}.");
        }

        if (definition.GetProperty("type").GetString() is "integer" or "long" && !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw S3Error.BadRequest("InvalidArgument", $"{operation}: {name} must be an integer, not '{value}'.");
        }
    }

    private static IEnumerable<string> Required(JsonElement input) =>
        input.ValueKind == JsonValueKind.Object && input.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!) : [];

    private static bool IsPresent(JsonElement input, string member, IReadOnlyDictionary<string, string> query, Func<string, string?> header, bool hasBody)
    {
        var definition = input.GetProperty("members").GetProperty(member);
        return Location(definition) switch
        {
            "uri" => true, // the path shape already matched
            "querystring" => query.ContainsKey(definition.GetProperty("locationName").GetString()!),
            "header" => header(definition.GetProperty("locationName").GetString()!) is not null,
            _ => hasBody,
        };
    }

    private static string? Location(JsonElement member) => member.TryGetProperty("location", out var l) ? l.GetString() : null;

    private static string LocationName(JsonProperty member) =>
        member.Value.TryGetProperty("locationName", out var l) ? l.GetString()! : member.Name;
}
