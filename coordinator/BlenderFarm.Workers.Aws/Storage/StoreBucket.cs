using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>
/// The owner's bucket in one region: named from the owner id (bucket names are global, so the name carries a hash of
/// the owner's random id), created on first use, and on every use made private (Block Public Access), encrypted
/// (SSE-S3), tagged with the owner and given a lifecycle rule that expires job files and frames.
/// </summary>
public static class StoreBucket
{
    /// <summary>Object key prefixes: job files by SHA-256, and frames on their way back.</summary>
    public const string FilesPrefix = "cas/";

    public const string FramesPrefix = "frames/";

    public static string NameFor(string ownerId, string region)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(region);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ownerId)))[..20];
        return $"blenderfarm-{hash}-{region.ToLowerInvariant()}";
    }

    /// <summary>Creates the bucket when missing and (re)applies its settings. Returns true when it was created now.</summary>
    public static async Task<bool> EnsureAsync(IAmazonS3 s3, string bucket, string ownerId, string region, int expiryDays, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        var created = false;
        try
        {
            if (!await ExistsAsync(s3, bucket, cancellationToken).ConfigureAwait(false))
            {
                var create = new PutBucketRequest { BucketName = bucket, ObjectOwnership = ObjectOwnership.BucketOwnerEnforced };
                if (region != "us-east-1")
                {
                    create.BucketRegion = new S3Region(region);
                }

                try
                {
                    await s3.PutBucketAsync(create, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (e.ErrorCode == "BucketAlreadyOwnedByYou")
                {
                    // Another run of ours created it a moment ago.
                }

                created = true;
            }

            await s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
            {
                BucketName = bucket,
                PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration
                {
                    BlockPublicAcls = true,
                    IgnorePublicAcls = true,
                    BlockPublicPolicy = true,
                    RestrictPublicBuckets = true,
                },
            }, cancellationToken).ConfigureAwait(false);
            await s3.PutBucketEncryptionAsync(new PutBucketEncryptionRequest
            {
                BucketName = bucket,
                ServerSideEncryptionConfiguration = new ServerSideEncryptionConfiguration
                {
                    ServerSideEncryptionRules = [new ServerSideEncryptionRule { ServerSideEncryptionByDefault = new ServerSideEncryptionByDefault { ServerSideEncryptionAlgorithm = ServerSideEncryptionMethod.AES256 } }],
                },
            }, cancellationToken).ConfigureAwait(false);
            await s3.PutBucketTaggingAsync(new PutBucketTaggingRequest
            {
                BucketName = bucket,
                TagSet = [new Tag { Key = Tags.Owner, Value = ownerId }, new Tag { Key = Tags.Name, Value = "BlenderFarm job files" }],
            }, cancellationToken).ConfigureAwait(false);
            await s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
            {
                BucketName = bucket,
                Configuration = new LifecycleConfiguration { Rules = [Expire("job-files", FilesPrefix, expiryDays), Expire("frames", FramesPrefix, expiryDays)] },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            throw S3Access.Explain(e, bucket, created ? "setting up the new bucket" : "preparing the bucket");
        }

        return created;
    }

    private static LifecycleRule Expire(string id, string prefix, int days) => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"blenderfarm-{id}-{days}d"),
        Status = LifecycleRuleStatus.Enabled,
        Filter = new LifecycleFilter { Prefix = prefix },
        Expiration = new LifecycleRuleExpiration { Days = days },
        AbortIncompleteMultipartUpload = new LifecycleRuleAbortIncompleteMultipartUpload { DaysAfterInitiation = 1 },
    };

    /// <summary>True when the bucket is ours; false when there is none; a bucket another account holds is one clear sentence.</summary>
    public static async Task<bool> ExistsAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s3);
        try
        {
            await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
