namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>
/// How a cloud job's files travel: uploaded once from this machine into the owner's S3 bucket, fetched by each
/// instance through presigned URLs. Every field has a default an artist can live with.
/// </summary>
public sealed record StorageOptions
{
    /// <summary>S3 endpoint override (a test double or a VPC endpoint); null: the region's public endpoint.</summary>
    public Uri? ServiceUrl { get; init; }

    /// <summary>Job files and frames are deleted by S3's lifecycle rule this many days after they were written.</summary>
    public int ExpiryDays { get; init; } = 7;

    /// <summary>How long a presigned URL handed to an instance stays valid.</summary>
    public TimeSpan UrlLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the PUT URL for one rendered frame stays valid: it is made just before the instance sends the frame.</summary>
    public TimeSpan FrameUrlLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Files of at least this size go up in parts (S3's minimum part is 5 MiB).</summary>
    public long MultipartThreshold { get; init; } = 16L * 1024 * 1024;

    public long PartSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>Parts (and small files) in flight at once.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Files an instance fetches at once.</summary>
    public int InstanceParallelism { get; init; } = 8;
}
