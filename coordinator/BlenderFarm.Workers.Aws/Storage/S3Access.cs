using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Access;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>Opens S3 with the same credentials and region as EC2; S3's refusals become one sentence.</summary>
public static class S3Access
{
    public static IAmazonS3 Open(AwsOptions options, StorageOptions storage)
    {
        var (credentials, region) = Ec2Access.Resolve(options);
        return Open(credentials, region, storage);
    }

    /// <summary>A client for <paramref name="region"/>, as the coordinator uses it (tests open the fake S3 with this).</summary>
    public static IAmazonS3 Open(AWSCredentials credentials, string region, StorageOptions storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var config = new AmazonS3Config
        {
            MaxErrorRetry = 3,
            Timeout = TimeSpan.FromMinutes(5),
            // Plain Content-Length bodies (no aws-chunked trailers); the content's SHA-256 is signed instead.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (storage.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = region;
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonS3Client(credentials, config);
    }

    /// <summary>The region the client signs for.</summary>
    public static string RegionOf(IAmazonS3 s3)
    {
        ArgumentNullException.ThrowIfNull(s3);
        return s3.Config.RegionEndpoint?.SystemName ?? s3.Config.AuthenticationRegion;
    }

    /// <summary>The sentence for an S3 error while <paramref name="doing"/> something with <paramref name="bucket"/>.</summary>
    public static UserFacingException Explain(AmazonServiceException error, string bucket, string doing)
    {
        ArgumentNullException.ThrowIfNull(error);
        var message = error.ErrorCode switch
        {
            "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" =>
                $"AWS refused the credentials while {doing} ({error.ErrorCode}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or your profile.",
            "ExpiredToken" or "RequestExpired" or "TokenRefreshRequired" =>
                $"The AWS credentials have expired while {doing}: refresh them (e.g. 'aws sso login') and try again.",
            "AccessDenied" or "AllAccessDisabled" =>
                $"S3 denied {doing} on bucket {bucket} (AccessDenied): give the user the S3 actions README lists, and check that no bucket policy denies them; S3 said: {error.Message.TrimEnd('.')}.",
            "BucketAlreadyExists" =>
                $"The bucket name {bucket} belongs to another AWS account: set 'bucket' in aws.conf to a name of your own.",
            "NoSuchBucket" =>
                $"The bucket {bucket} does not exist any more (deleted while {doing}): run the job again to recreate it.",
            _ => $"S3 refused {doing} (bucket {bucket}): {error.Message.TrimEnd('.')} ({error.ErrorCode ?? ((int)error.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}).",
        };
        return new UserFacingException(message, error);
    }
}
