using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>What one upload of a job's files did.</summary>
public sealed record UploadSummary(int UploadedFiles, long UploadedBytes, int SkippedFiles, long SkippedBytes);

/// <summary>
/// The owner's content-addressed store in S3: each job file is one object named by its SHA-256 (<c>cas/HASH</c>), so
/// a file goes up once, whatever the number of instances, jobs or resubmissions; what the bucket already holds is
/// skipped after a HEAD. Large files go up in parts, several at once. Instances never get credentials: they get
/// presigned URLs for exactly the objects of their job (<see cref="PresignGet"/>) and for each frame they return.
/// </summary>
public sealed class ContentStore(IAmazonS3 s3, string bucket, StorageOptions options, TimeProvider time)
{
    public string Bucket => bucket;

    public StorageOptions Options => options;

    public static string KeyFor(string sha256) => StoreBucket.FilesPrefix + sha256;

    /// <summary>Uploads every file of the job the bucket lacks; each distinct content once.</summary>
    public async Task<UploadSummary> UploadAsync(JobFiles files, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var distinct = files.Files.DistinctBy(f => f.Sha256).ToList();
        var missing = new List<JobFile>();
        foreach (var file in distinct)
        {
            if (!await HasAsync(file, cancellationToken).ConfigureAwait(false))
            {
                missing.Add(file);
            }
        }

        var skipped = distinct.Except(missing).ToList();
        var meter = new Meter(missing.Sum(f => f.Bytes), skipped.Count, skipped.Sum(f => f.Bytes), time, progress);
        using var gate = new SemaphoreSlim(Math.Max(1, options.Parallelism));
        await Task.WhenAll(missing.Select(f => f.Bytes >= options.MultipartThreshold
            ? UploadInPartsAsync(f, gate, meter, cancellationToken)
            : UploadWholeAsync(f, gate, meter, cancellationToken))).ConfigureAwait(false);
        meter.Report();
        return new UploadSummary(missing.Count, missing.Sum(f => f.Bytes), skipped.Count, skipped.Sum(f => f.Bytes));
    }

    /// <summary>A GET URL for one job file, valid for <see cref="StorageOptions.UrlLifetime"/>.</summary>
    public Uri PresignGet(string sha256) => Presign(KeyFor(sha256), HttpVerb.GET);

    /// <summary>A PUT URL for one object (a frame on its way back), valid for <see cref="StorageOptions.FrameUrlLifetime"/>.</summary>
    public Uri PresignPut(string key) => Presign(key, HttpVerb.PUT, options.FrameUrlLifetime);

    /// <summary>Downloads one object to <paramref name="localPath"/>; false when the bucket does not hold it.</summary>
    public async Task<bool> TryDownloadAsync(string key, string localPath, CancellationToken cancellationToken)
    {
        try
        {
            using var answer = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            await using var file = new FileStream(localPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await answer.ResponseStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (AmazonS3Exception e)
        {
            throw S3Access.Explain(e, bucket, $"downloading {key}");
        }
    }

    /// <summary>Removes one object; a failure leaves it to the bucket's lifecycle rule.</summary>
    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception)
        {
            // The lifecycle rule expires it after StorageOptions.ExpiryDays.
        }
    }

    private Uri Presign(string key, HttpVerb verb) => Presign(key, verb, options.UrlLifetime);

    private Uri Presign(string key, HttpVerb verb, TimeSpan lifetime)
    {
        var secure = s3.Config.ServiceURL is not { } url || url.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        return new Uri(s3.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = verb,
            Expires = time.GetUtcNow().UtcDateTime + lifetime,
            Protocol = secure ? Protocol.HTTPS : Protocol.HTTP,
        }));
    }

    private async Task<bool> HasAsync(JobFile file, CancellationToken cancellationToken)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = KeyFor(file.Sha256) }, cancellationToken).ConfigureAwait(false);
            return head.ContentLength == file.Bytes;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (AmazonS3Exception e)
        {
            throw S3Access.Explain(e, bucket, $"looking for {file.RelativePath} in S3");
        }
    }

    private async Task UploadWholeAsync(JobFile file, SemaphoreSlim gate, Meter meter, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var stream = File.OpenRead(file.LocalPath);
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = KeyFor(file.Sha256),
                InputStream = stream,
                UseChunkEncoding = false,
                ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(file.Sha256)),
            }, cancellationToken).ConfigureAwait(false);
            meter.Add(file.Bytes);
        }
        catch (AmazonS3Exception e)
        {
            throw Failed(e, file);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task UploadInPartsAsync(JobFile file, SemaphoreSlim gate, Meter meter, CancellationToken cancellationToken)
    {
        var key = KeyFor(file.Sha256);
        string uploadId;
        try
        {
            uploadId = (await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false)).UploadId;
        }
        catch (AmazonS3Exception e)
        {
            throw Failed(e, file);
        }

        try
        {
            var count = (int)((file.Bytes + options.PartSize - 1) / options.PartSize);
            var parts = await Task.WhenAll(Enumerable.Range(1, count).Select(n => UploadPartAsync(file, key, uploadId, n, gate, meter, cancellationToken))).ConfigureAwait(false);
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId, PartETags = [.. parts] }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonS3Exception or OperationCanceledException or IOException)
        {
            try
            {
                await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (AmazonS3Exception)
            {
                // The lifecycle rule removes an unfinished upload after a day.
            }

            throw e is AmazonS3Exception s3Error ? Failed(s3Error, file) : e;
        }
    }

    private async Task<PartETag> UploadPartAsync(JobFile file, string key, string uploadId, int number, SemaphoreSlim gate, Meter meter, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var offset = (number - 1) * options.PartSize;
            var buffer = new byte[Math.Min(options.PartSize, file.Bytes - offset)];
            await using (var stream = new FileStream(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous))
            {
                stream.Position = offset;
                await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            }

            using var body = new MemoryStream(buffer, writable: false);
            var part = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                UseChunkEncoding = false,
            }, cancellationToken).ConfigureAwait(false);
            meter.Add(buffer.Length);
            return new PartETag(number, part.ETag);
        }
        finally
        {
            gate.Release();
        }
    }

    private UserFacingException Failed(AmazonS3Exception e, JobFile file) => e.ErrorCode is "BadDigest" or "XAmzContentSHA256Mismatch"
        ? new UserFacingException($"{file.LocalPath} changed while it was being uploaded: save your work and submit again.", e)
        : S3Access.Explain(e, bucket, $"uploading {file.RelativePath}");

    /// <summary>Counts bytes sent and reports a <see cref="TransferProgress"/> at most once a second.</summary>
    private sealed class Meter(long total, int skippedFiles, long skippedBytes, TimeProvider time, IProgress<TransferProgress>? progress)
    {
        private readonly long _started = time.GetTimestamp();
        private long _sent;
        private long _lastReport = long.MinValue;

        public void Add(long bytes)
        {
            Interlocked.Add(ref _sent, bytes);
            var now = time.GetTimestamp();
            var last = Interlocked.Read(ref _lastReport);
            if (last == long.MinValue || time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1))
            {
                if (Interlocked.CompareExchange(ref _lastReport, now, last) == last)
                {
                    Report();
                }
            }
        }

        public void Report() => progress?.Report(new TransferProgress(Interlocked.Read(ref _sent), total, skippedFiles, skippedBytes, time.GetElapsedTime(_started)));
    }
}
