using System.Globalization;
using BlenderFarm.Workers.Ssh.Sync;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>Before any instance launches: the owner's bucket made ready and the job's files uploaded once, with a progress line.</summary>
public static class JobUpload
{
    /// <param name="watcher">Also told each progress report, in order (the add-on's panel); null: the log only.</param>
    public static async Task<ContentStore> UploadAsync(
        AwsOptions options, string ownerId, JobFiles files, TimeProvider time, ILogger logger, IProgress<TransferProgress>? watcher, CancellationToken cancellationToken)
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
        var summary = await store.UploadAsync(files, new LogAndWatcher(logger, watcher), cancellationToken).ConfigureAwait(false);
        Log.Info(logger, string.Create(CultureInfo.InvariantCulture,
            $"job files in S3 bucket {bucket}: uploaded {summary.UploadedFiles} file(s), {summary.UploadedBytes} bytes; {summary.SkippedFiles} file(s), {summary.SkippedBytes} bytes already there"));
        return store;
    }

    /// <summary>Reports on the uploading thread, so the watcher sees the reports in order and the last one last.</summary>
    private sealed class LogAndWatcher(ILogger logger, IProgress<TransferProgress>? watcher) : IProgress<TransferProgress>
    {
        public void Report(TransferProgress value)
        {
            Log.Info(logger, value.Line());
            watcher?.Report(value);
        }
    }
}
