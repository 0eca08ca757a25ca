using System.Globalization;
using BlenderFarm.Workers.Ssh.Sync;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>Before any instance launches: the owner's bucket made ready and the job's files uploaded once, with a progress line.</summary>
public static class JobUpload
{
    public static async Task<ContentStore> UploadAsync(AwsOptions options, string ownerId, JobFiles files, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        var storage = options.Storage ?? throw new ArgumentException("S3 storage is off for this job.", nameof(options));
        var s3 = S3Access.Open(options, storage);
        var region = S3Access.RegionOf(s3);
        var bucket = StoreBucket.NameFor(ownerId, region);
        if (await StoreBucket.EnsureAsync(s3, bucket, ownerId, region, storage.ExpiryDays, cancellationToken).ConfigureAwait(false))
        {
            Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
                $"created S3 bucket {bucket} for job files (private, encrypted, files expire after {storage.ExpiryDays} days; 'blenderfarm teardown --delete-bucket' removes it)"));
        }

        var store = new ContentStore(s3, bucket, storage, time);
        var summary = await store.UploadAsync(files, new Progress<TransferProgress>(p => Log.Info(logger, p.Line())), cancellationToken).ConfigureAwait(false);
        Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
            $"job files in S3 bucket {bucket}: uploaded {summary.UploadedFiles} file(s), {summary.UploadedBytes} bytes; {summary.SkippedFiles} file(s), {summary.SkippedBytes} bytes already there"));
        return store;
    }
}
