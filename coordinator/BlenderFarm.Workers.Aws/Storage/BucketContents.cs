using System.Globalization;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>What the owner's bucket holds, what that costs to keep, and emptying and deleting it (teardown --delete-bucket).</summary>
public static class BucketContents
{
    /// <summary>S3 Standard in us-east-1, USD per GB-month (other regions cost a little more).</summary>
    public const double UsdPerGbMonth = 0.023;

    /// <summary>Objects and bytes in the bucket, or null when there is no bucket.</summary>
    public static async Task<(int Objects, long Bytes)?> SizeAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        var keys = await ListAsync(s3, bucket, cancellationToken).ConfigureAwait(false);
        return keys is null ? null : (keys.Count, keys.Sum(k => k.Bytes));
    }

    /// <summary>Deletes every object, then the bucket. Returns what it held, or null when there was no bucket.</summary>
    public static async Task<(int Objects, long Bytes)?> DeleteAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        var keys = await ListAsync(s3, bucket, cancellationToken).ConfigureAwait(false);
        if (keys is null)
        {
            return null;
        }

        try
        {
            foreach (var batch in keys.Chunk(1000))
            {
                await s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = bucket, Objects = [.. batch.Select(k => new KeyVersion { Key = k.Key })], Quiet = true }, cancellationToken).ConfigureAwait(false);
            }

            await s3.DeleteBucketAsync(new DeleteBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            throw S3Access.Explain(e, bucket, "deleting the bucket");
        }

        return (keys.Count, keys.Sum(k => k.Bytes));
    }

    /// <summary>"3 file(s), 1.2 GB, about $0.03 a month".</summary>
    public static string Describe(int objects, long bytes) => string.Create(CultureInfo.InvariantCulture,
        $"{objects} file(s), {TransferProgress.Size(bytes)}, about ${bytes / 1e9 * UsdPerGbMonth:0.00} a month");

    private static async Task<List<(string Key, long Bytes)>?> ListAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        var keys = new List<(string, long)>();
        try
        {
            if (!await StoreBucket.ExistsAsync(s3, bucket, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            string? token = null;
            do
            {
                var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                keys.AddRange((page.S3Objects ?? []).Select(o => (o.Key, o.Size ?? 0)));
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
        }
        catch (AmazonS3Exception e) when (e.StatusCode != HttpStatusCode.NotFound)
        {
            throw S3Access.Explain(e, bucket, "listing the bucket");
        }

        return keys;
    }
}
