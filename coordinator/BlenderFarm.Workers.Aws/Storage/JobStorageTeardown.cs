namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>What <c>teardown</c> says about, or does to, the owner's bucket of job files.</summary>
public static class JobStorageTeardown
{
    /// <summary>Deletes the bucket when asked; otherwise leaves it (the next job reuses its files) and says what it holds.</summary>
    public static async Task<string> RunAsync(AwsOptions options, StorageOptions storage, string ownerId, bool delete)
    {
        using var s3 = S3Access.Open(options, storage);
        var bucket = StoreBucket.NameFor(ownerId, S3Access.RegionOf(s3));
        try
        {
            return await RunAsync(s3, bucket, storage, delete).ConfigureAwait(false);
        }
        catch (BlenderFarm.Blender.UserFacingException e) when (!delete)
        {
            // The instances are gone already; a missing S3 permission must not turn that into a failure.
            return $"The S3 bucket of job files could not be checked: {e.Message}";
        }
    }

    private static async Task<string> RunAsync(Amazon.S3.IAmazonS3 s3, string bucket, StorageOptions storage, bool delete)
    {
        if (delete)
        {
            return await BucketContents.DeleteAsync(s3, bucket, CancellationToken.None).ConfigureAwait(false) is var (objects, bytes)
                ? $"Deleted S3 bucket {bucket} and its {BucketContents.Describe(objects, bytes)}."
                : $"There is no S3 bucket of job files ({bucket}).";
        }

        return await BucketContents.SizeAsync(s3, bucket, CancellationToken.None).ConfigureAwait(false) is var (count, size)
            ? $"Kept S3 bucket {bucket} of job files for the next jobs: {BucketContents.Describe(count, size)}; files expire {storage.ExpiryDays} days after upload, 'blenderfarm teardown --delete-bucket' deletes them now."
            : $"There is no S3 bucket of job files ({bucket}).";
    }
}
