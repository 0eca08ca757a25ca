using System.Globalization;
using System.IO.Hashing;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>The operations BlenderFarm uses, answered as S3 answers them.</summary>
internal sealed partial class FakeS3
{
    private const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>Operations S3 refuses without a Content-MD5 or x-amz-checksum-* header (the model's requestChecksumRequired).</summary>
    private static readonly HashSet<string> ChecksumRequired = new(StringComparer.Ordinal)
    {
        "PutPublicAccessBlock", "PutBucketEncryption", "PutBucketTagging", "PutBucketLifecycleConfiguration", "DeleteObjects",
    };

    /// <summary>The body must match the SHA-256 it was signed with, and any MD5 or checksum header sent with it.</summary>
    private static void CheckBody(HttpListenerRequest http, byte[] body, SigV4.Request request)
    {
        var signed = http.Headers["x-amz-content-sha256"];
        if (signed is not null && signed.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            throw new S3Error(HttpStatusCode.NotImplemented, "NotImplemented", "The fake takes plain bodies only (no aws-chunked encoding).");
        }

        if (signed is not null && signed != "UNSIGNED-PAYLOAD" && signed != Convert.ToHexStringLower(SHA256.HashData(body)))
        {
            throw S3Error.BadRequest("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        if (http.Headers["Content-MD5"] is { } md5 && md5 != Convert.ToBase64String(MD5.HashData(body)))
        {
            throw S3Error.BadRequest("BadDigest", "The Content-MD5 you specified did not match what we received.");
        }

        var checksums = new Dictionary<string, Func<byte[], byte[]>>(StringComparer.OrdinalIgnoreCase)
        {
            ["x-amz-checksum-sha256"] = SHA256.HashData,
            ["x-amz-checksum-sha1"] = SHA1.HashData,
            ["x-amz-checksum-crc32"] = b => BigEndian(Crc32.HashToUInt32(b)),
        };
        foreach (var (header, compute) in checksums)
        {
            if (http.Headers[header] is { } value && value != Convert.ToBase64String(compute(body)))
            {
                throw S3Error.BadRequest("BadDigest", $"The {header[11..].ToUpperInvariant()} you specified did not match the calculated checksum.");
            }
        }

        _ = request;
    }

    private static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    private Answer Dispatch(string operation, HttpListenerRequest http, string rawPath, List<KeyValuePair<string, string>> query, byte[] body)
    {
        var (name, key) = Target(rawPath);
        if (ChecksumRequired.Contains(operation) && http.Headers["Content-MD5"] is null && !http.Headers.AllKeys.Any(h => h?.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase) == true))
        {
            throw S3Error.BadRequest("InvalidRequest", "Missing required header for this request: Content-MD5 or x-amz-checksum-*.");
        }

        if (operation == "CreateBucket")
        {
            return CreateBucket(name, body);
        }

        var bucket = _buckets.GetValueOrDefault(name) ?? throw new S3Error(HttpStatusCode.NotFound, "NoSuchBucket", "The specified bucket does not exist");
        string Query(string q) => query.First(p => p.Key == q).Value;
        return operation switch
        {
            "HeadBucket" => Answer.Empty().With("x-amz-bucket-region", bucket.Region),
            "PutPublicAccessBlock" => Configure(() => bucket.PublicAccessBlock = Document(body)),
            "PutBucketEncryption" => Configure(() => bucket.Encryption = Document(body)),
            "PutBucketTagging" => Configure(() => bucket.Tagging = CheckTags(Document(body)), HttpStatusCode.NoContent),
            "PutBucketLifecycleConfiguration" => Configure(() => bucket.Lifecycle = Document(body)),
            "HeadObject" => Object(bucket, key!) is var o ? new Answer(HttpStatusCode.OK, [], "binary/octet-stream") { HeadLength = o.Body.Length }.With("ETag", o.ETag).With("Last-Modified", o.LastModified.ToString("r", CultureInfo.InvariantCulture)) : null!,
            "GetObject" => Object(bucket, key!) is var g ? new Answer(HttpStatusCode.OK, g.Body, "binary/octet-stream").With("ETag", g.ETag).With("Last-Modified", g.LastModified.ToString("r", CultureInfo.InvariantCulture)) : null!,
            "PutObject" => Store(bucket, key!, body),
            "CreateMultipartUpload" => CreateMultipartUpload(bucket, name, key!),
            "UploadPart" => UploadPart(bucket, key!, Query("uploadId"), Query("partNumber"), body),
            "CompleteMultipartUpload" => CompleteMultipartUpload(bucket, name, key!, Query("uploadId"), body),
            "AbortMultipartUpload" => Upload(bucket, key!, Query("uploadId")) is var _ && bucket.Uploads.Remove(Query("uploadId")) ? Answer.Empty(HttpStatusCode.NoContent) : null!,
            "ListObjectsV2" => List(bucket, name, query),
            "DeleteObjects" => DeleteObjects(bucket, body),
            "DeleteObject" => bucket.Objects.Remove(key!) | true ? Answer.Empty(HttpStatusCode.NoContent) : null!,
            "DeleteBucket" => DeleteBucket(bucket, name),
            _ => throw new S3Error(HttpStatusCode.NotImplemented, "NotImplemented", $"The fake does not implement {operation}."),
        };
    }

    private Answer CreateBucket(string name, byte[] body)
    {
        if (name.Length is < 3 or > 63 || !name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.') || !char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            throw S3Error.BadRequest("InvalidBucketName", "The specified bucket is not valid.");
        }

        var constraint = body.Length > 0 ? Document(body).Descendants().FirstOrDefault(e => e.Name.LocalName == "LocationConstraint")?.Value : null;
        if ((constraint ?? "us-east-1") != Region)
        {
            throw S3Error.BadRequest(constraint is null ? "IllegalLocationConstraintException" : "InvalidLocationConstraint",
                $"The {constraint ?? "unspecified"} location constraint is incompatible for the region specific endpoint this request was sent to.");
        }

        if (_buckets.ContainsKey(name))
        {
            throw new S3Error(HttpStatusCode.Conflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
        }

        _buckets[name] = new Bucket(Region);
        return Answer.Empty().With("Location", "/" + name);
    }

    private static Answer Configure(Action apply, HttpStatusCode status = HttpStatusCode.OK)
    {
        apply();
        return Answer.Empty(status);
    }

    private static XElement CheckTags(XElement tagging)
    {
        var tags = tagging.Descendants().Where(e => e.Name.LocalName == "Tag").ToList();
        if (tags.Count > 50 || tags.Any(t => t.Elements().FirstOrDefault(e => e.Name.LocalName == "Key")?.Value is not { Length: > 0 and <= 128 } k || k.StartsWith("aws:", StringComparison.Ordinal)))
        {
            throw S3Error.BadRequest("InvalidTag", "The TagSet is not valid (at most 50 tags, keys of 1 to 128 characters, no aws: prefix).");
        }

        return tagging;
    }

    private static XElement Document(byte[] body) => XDocument.Parse(Encoding.UTF8.GetString(body)).Root!;

    private static StoredObject Object(Bucket bucket, string key) =>
        bucket.Objects.GetValueOrDefault(key) ?? throw new S3Error(HttpStatusCode.NotFound, "NoSuchKey", "The specified key does not exist.");

    private Answer Store(Bucket bucket, string key, byte[] body)
    {
        var stored = new StoredObject(body, $"\"{Convert.ToHexStringLower(MD5.HashData(body))}\"", DateTimeOffset.UtcNow + _clockOffset);
        bucket.Objects[key] = stored;
        return Answer.Empty().With("ETag", stored.ETag);
    }

    private static Answer CreateMultipartUpload(Bucket bucket, string name, string key)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        bucket.Uploads[id] = (key, new SortedDictionary<int, StoredObject>());
        return Answer.Xml(new XElement(Answer.Ns + "InitiateMultipartUploadResult",
            new XElement(Answer.Ns + "Bucket", name), new XElement(Answer.Ns + "Key", key), new XElement(Answer.Ns + "UploadId", id)));
    }

    private static (string Key, SortedDictionary<int, StoredObject> Parts) Upload(Bucket bucket, string key, string id) =>
        bucket.Uploads.TryGetValue(id, out var upload) && upload.Key == key
            ? upload
            : throw new S3Error(HttpStatusCode.NotFound, "NoSuchUpload", "The specified multipart upload does not exist.");

    private Answer UploadPart(Bucket bucket, string key, string id, string number, byte[] body)
    {
        var upload = Upload(bucket, key, id);
        if (!int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 10000)
        {
            throw S3Error.BadRequest("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
        }

        var part = new StoredObject(body, $"\"{Convert.ToHexStringLower(MD5.HashData(body))}\"", DateTimeOffset.UtcNow + _clockOffset);
        upload.Parts[n] = part;
        return Answer.Empty().With("ETag", part.ETag);
    }

    private Answer CompleteMultipartUpload(Bucket bucket, string name, string key, string id, byte[] body)
    {
        var upload = Upload(bucket, key, id);
        var listed = Document(body).Elements().Where(e => e.Name.LocalName == "Part").Select(p => (
            Number: int.Parse(p.Elements().First(e => e.Name.LocalName == "PartNumber").Value, CultureInfo.InvariantCulture),
            ETag: p.Elements().First(e => e.Name.LocalName == "ETag").Value)).ToList();
        if (listed.Count == 0 || listed.Zip(listed.Skip(1)).Any(p => p.First.Number >= p.Second.Number))
        {
            throw S3Error.BadRequest("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
        }

        var parts = new List<StoredObject>();
        foreach (var (number, etag) in listed)
        {
            if (!upload.Parts.TryGetValue(number, out var part) || part.ETag.Trim('"') != etag.Trim('"'))
            {
                throw S3Error.BadRequest("InvalidPart", "One or more of the specified parts could not be found or its entity tag did not match.");
            }

            parts.Add(part);
        }

        if (parts.SkipLast(1).Any(p => p.Body.Length < MinPartSize))
        {
            throw S3Error.BadRequest("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
        }

        var whole = parts.SelectMany(p => p.Body).ToArray();
        var etagOfParts = Convert.ToHexStringLower(MD5.HashData(parts.SelectMany(p => Convert.FromHexString(p.ETag.Trim('"'))).ToArray()));
        bucket.Objects[key] = new StoredObject(whole, string.Create(CultureInfo.InvariantCulture, $"\"{etagOfParts}-{parts.Count}\""), DateTimeOffset.UtcNow + _clockOffset);
        bucket.Uploads.Remove(id);
        return Answer.Xml(new XElement(Answer.Ns + "CompleteMultipartUploadResult", new XElement(Answer.Ns + "Location", $"{ServiceUrl}{name}/{key}"),
            new XElement(Answer.Ns + "Bucket", name), new XElement(Answer.Ns + "Key", key), new XElement(Answer.Ns + "ETag", bucket.Objects[key].ETag)));
    }

    private static Answer List(Bucket bucket, string name, List<KeyValuePair<string, string>> query)
    {
        var prefix = query.FirstOrDefault(p => p.Key == "prefix").Value ?? "";
        var max = query.FirstOrDefault(p => p.Key == "max-keys").Value is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : 1000;
        var after = query.FirstOrDefault(p => p.Key == "continuation-token").Value ?? query.FirstOrDefault(p => p.Key == "start-after").Value ?? "";
        var keys = bucket.Objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && string.CompareOrdinal(k, after) > 0).Order(StringComparer.Ordinal).ToList();
        var page = keys.Take(max).ToList();
        var truncated = keys.Count > page.Count;
        var result = new XElement(Answer.Ns + "ListBucketResult", new XElement(Answer.Ns + "Name", name), new XElement(Answer.Ns + "Prefix", prefix),
            new XElement(Answer.Ns + "KeyCount", page.Count), new XElement(Answer.Ns + "MaxKeys", max), new XElement(Answer.Ns + "IsTruncated", truncated ? "true" : "false"),
            page.Select(k => new XElement(Answer.Ns + "Contents", new XElement(Answer.Ns + "Key", k),
                new XElement(Answer.Ns + "LastModified", bucket.Objects[k].LastModified.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                new XElement(Answer.Ns + "ETag", bucket.Objects[k].ETag), new XElement(Answer.Ns + "Size", bucket.Objects[k].Body.Length),
                new XElement(Answer.Ns + "StorageClass", "STANDARD"))));
        if (truncated)
        {
            result.Add(new XElement(Answer.Ns + "NextContinuationToken", page[^1]));
        }

        return Answer.Xml(result);
    }

    private static Answer DeleteObjects(Bucket bucket, byte[] body)
    {
        var keys = Document(body).Elements().Where(e => e.Name.LocalName == "Object").Select(o => o.Elements().First(e => e.Name.LocalName == "Key").Value).ToList();
        if (keys.Count is 0 or > 1000)
        {
            throw S3Error.BadRequest("MalformedXML", "A Delete request names 1 to 1000 objects.");
        }

        foreach (var key in keys)
        {
            bucket.Objects.Remove(key);
        }

        return Answer.Xml(new XElement(Answer.Ns + "DeleteResult", keys.Select(k => new XElement(Answer.Ns + "Deleted", new XElement(Answer.Ns + "Key", k)))));
    }

    private Answer DeleteBucket(Bucket bucket, string name)
    {
        if (bucket.Objects.Count > 0)
        {
            throw new S3Error(HttpStatusCode.Conflict, "BucketNotEmpty", "The bucket you tried to delete is not empty");
        }

        _buckets.Remove(name);
        return Answer.Empty(HttpStatusCode.NoContent);
    }
}
