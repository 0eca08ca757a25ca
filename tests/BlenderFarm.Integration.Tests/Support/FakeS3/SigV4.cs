using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>
/// Checks AWS Signature Version 4 as S3 does, in both forms: the <c>Authorization</c> header the SDK sends, and the
/// query string of a presigned URL (<c>X-Amz-Algorithm</c>, <c>X-Amz-Credential</c>, <c>X-Amz-Date</c>,
/// <c>X-Amz-Expires</c>, <c>X-Amz-SignedHeaders</c>, <c>X-Amz-Signature</c>). The signature covers the method, the
/// exact path (so a URL for one key does not open another), the query and the signed headers; a presigned URL is
/// refused after its expiry, measured on the fake's clock.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Parsed request parts the signature is computed over.</summary>
    public sealed record Request(string Method, string RawPath, IReadOnlyList<KeyValuePair<string, string>> Query, Func<string, string?> Header);

    /// <summary>True when the request is presigned (its signature is in the query).</summary>
    public static bool IsPresigned(Request request) => request.Query.Any(p => p.Key == "X-Amz-Signature");

    public static void CheckHeader(Request request, string accessKey, string secretKey, string region)
    {
        var authorization = request.Header("Authorization");
        if (authorization is null || !authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw S3Error.Denied("Anonymous access is denied: the request carries no AWS Signature Version 4.");
        }

        var fields = authorization[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "", StringComparer.Ordinal);
        var date = request.Header("x-amz-date") ?? throw S3Error.Denied("AWS authentication requires a valid Date or x-amz-date header.");
        var time = ParseTime(date);
        if ((DateTimeOffset.UtcNow - time).Duration() > TimeSpan.FromMinutes(15))
        {
            throw new S3Error(HttpStatusCode.Forbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
        }

        var payload = request.Header("x-amz-content-sha256") ?? throw S3Error.BadRequest("InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
        Verify(request, fields.GetValueOrDefault("Credential"), fields.GetValueOrDefault("SignedHeaders"), fields.GetValueOrDefault("Signature"), date, payload, accessKey, secretKey, region);
    }

    public static void CheckPresigned(Request request, DateTimeOffset now, string accessKey, string secretKey, string region)
    {
        string Get(string name) => request.Query.FirstOrDefault(p => p.Key == name).Value
            ?? throw S3Error.BadRequest("AuthorizationQueryParametersError", $"Query-string authentication version 4 requires the {name} parameter.");
        if (Get("X-Amz-Algorithm") != Algorithm)
        {
            throw S3Error.BadRequest("AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".");
        }

        var date = Get("X-Amz-Date");
        if (!int.TryParse(Get("X-Amz-Expires"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires < 1 || expires > 604800)
        {
            throw S3Error.BadRequest("AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800 seconds.");
        }

        if (now > ParseTime(date).AddSeconds(expires))
        {
            throw S3Error.Denied("Request has expired");
        }

        Verify(request, Get("X-Amz-Credential"), Get("X-Amz-SignedHeaders"), Get("X-Amz-Signature"), date, "UNSIGNED-PAYLOAD", accessKey, secretKey, region);
    }

    private static void Verify(Request request, string? credential, string? signedHeaders, string? signature, string date, string payloadHash, string accessKey, string secretKey, string region)
    {
        var parts = credential?.Split('/');
        if (parts is not [var key, var day, var scopeRegion, "s3", "aws4_request"] || signedHeaders is null || signature is null)
        {
            throw S3Error.BadRequest("AuthorizationHeaderMalformed", "The authorization header or query is malformed.");
        }

        if (key != accessKey)
        {
            throw new S3Error(HttpStatusCode.Forbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
        }

        if (scopeRegion != region || day != date[..8])
        {
            throw S3Error.BadRequest("AuthorizationHeaderMalformed", $"The authorization scope is wrong; expecting '{region}' and the request's date.");
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host"))
        {
            throw S3Error.Denied("Host must be a signed header.");
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        canonical.Append(request.RawPath).Append('\n');
        canonical.Append(string.Join('&', request.Query.Where(p => p.Key != "X-Amz-Signature")
            .Select(p => (Key: Encode(p.Key), Value: Encode(p.Value))).OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value))).Append('\n');
        foreach (var name in names)
        {
            var value = request.Header(name) ?? throw S3Error.Denied($"The signed header {name} is missing.");
            canonical.Append(name).Append(':').Append(string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var scope = $"{day}/{region}/s3/aws4_request";
        var toSign = $"{Algorithm}\n{date}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var signingKey = new[] { day, region, "s3", "aws4_request" }.Aggregate(Encoding.UTF8.GetBytes("AWS4" + secretKey), (k, part) => HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(part)));
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(toSign)));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw new S3Error(HttpStatusCode.Forbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }
    }

    private static DateTimeOffset ParseTime(string value) =>
        DateTimeOffset.TryParseExact(value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw S3Error.Denied($"Invalid date '{value}': must be in ISO 8601 basic format.");

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX in upper case.</summary>
    public static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return builder.ToString();
    }
}
