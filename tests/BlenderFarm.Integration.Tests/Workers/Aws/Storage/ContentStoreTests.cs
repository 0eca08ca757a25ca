using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>
/// The content-addressed store in S3, through the real AWSSDK.S3 client against the strict fake S3: the owner's bucket
/// is private, encrypted, tagged and expires its files; each file content goes up once; big files go in parallel parts.
/// </summary>
[Category("Aws")]
public sealed class ContentStoreTests
{
    [Test]
    public async Task First_use_creates_a_private_encrypted_tagged_bucket_whose_files_expire()
    {
        using var store = new StoreFixture(new StorageOptions { ExpiryDays = 3 });

        var created = await StoreBucket.EnsureAsync(store.Client, store.Bucket, StoreFixture.Owner, store.S3.Region, 3, CancellationToken.None);
        var again = await StoreBucket.EnsureAsync(store.Client, store.Bucket, StoreFixture.Owner, store.S3.Region, 3, CancellationToken.None);

        Assert.That((created, again), Is.EqualTo((true, false)), "created on first use only");
        Assert.That(store.S3.RefusedRequests, Is.Empty, "every request matches S3's model and signature rules");
        Assert.That(store.S3.Buckets, Is.EqualTo(new[] { store.Bucket }));
        Assert.That(store.Bucket, Does.Match("^blenderfarm-[0-9a-f]{20}-us-east-1$"));
        var settings = store.S3.Settings(store.Bucket)!;
        Assert.That(settings.BlocksPublicAccess, Is.True, "all four Block Public Access settings on");
        Assert.That(settings.Encryption, Is.EqualTo("AES256"), "default encryption");
        Assert.That(settings.Tags.GetValueOrDefault("blenderfarm:owner"), Is.EqualTo(StoreFixture.Owner));
        Assert.That(settings.Expiry, Is.EquivalentTo(new[] { ("cas/", 3, (int?)1), ("frames/", 3, (int?)1) }), "job files and frames expire after 3 days; unfinished uploads after 1");
    }

    [Test]
    public async Task Each_file_goes_up_once_and_a_resubmission_sends_only_the_changed_texture()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 300_000, 1), ("textures/wood.png", 200_000, 2), ("textures/metal.png", 150_000, 3));
        store.Write("textures/copy-of-wood.png", 200_000, 2); // same bytes at a second path
        job = store.Plan(["shot.blend", "textures/wood.png", "textures/metal.png", "textures/copy-of-wood.png"]);

        var first = await content.UploadAsync(job, null, CancellationToken.None);
        var afterFirst = store.S3.BytesFromSdk;
        var second = await content.UploadAsync(job, null, CancellationToken.None);
        var afterSecond = store.S3.BytesFromSdk;
        store.Write("textures/metal.png", 160_000, 4);
        var changed = store.Plan(["shot.blend", "textures/wood.png", "textures/metal.png", "textures/copy-of-wood.png"]);
        var third = await content.UploadAsync(changed, null, CancellationToken.None);

        Assert.That(store.S3.RefusedRequests, Is.Empty);
        Assert.That(afterFirst, Is.EqualTo(650_000), "each content once: the copy of wood.png is not sent again");
        Assert.That(first, Is.EqualTo(new UploadSummary(3, 650_000, 0, 0)));
        Assert.That(afterSecond - afterFirst, Is.Zero, "the same job again sends nothing");
        Assert.That(second, Is.EqualTo(new UploadSummary(0, 0, 3, 650_000)));
        Assert.That(store.S3.BytesFromSdk - afterSecond, Is.EqualTo(160_000), "after changing one texture only that texture goes up");
        Assert.That(third, Is.EqualTo(new UploadSummary(1, 160_000, 2, 500_000)));
        var objects = store.S3.Objects(store.Bucket);
        Assert.That(objects.Keys, Is.EquivalentTo(job.Files.Concat(changed.Files).Select(f => "cas/" + f.Sha256).Distinct()), "objects are named by their SHA-256");
    }

    [Test]
    public async Task A_large_file_goes_up_in_parts_several_at_once_with_a_progress_line()
    {
        using var store = new StoreFixture(new StorageOptions { MultipartThreshold = 6 << 20, PartSize = 5 << 20, Parallelism = 4 });
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 100_000, 1), ("cache/fluid.vdb", (21 << 20) + 123, 9));
        store.S3.HoldPartsUntilInFlight(2);
        var reports = new List<TransferProgress>();

        var summary = await content.UploadAsync(job, new SyncProgress<TransferProgress>(reports.Add), CancellationToken.None);

        Assert.That(store.S3.RefusedRequests, Is.Empty);
        Assert.That(summary.UploadedBytes, Is.EqualTo(job.TotalBytes));
        Assert.That(store.S3.Calls.Count(c => c == "UploadPart"), Is.EqualTo(5), "21 MB in 5 MB parts");
        Assert.That(store.S3.Calls, Does.Contain("CreateMultipartUpload").And.Contain("CompleteMultipartUpload"));
        Assert.That(store.S3.MaxConcurrentParts, Is.GreaterThan(1), "parts travel in parallel");
        var big = job.Files.Single(f => f.RelativePath == "cache/fluid.vdb");
        Assert.That(store.S3.Objects(store.Bucket)["cas/" + big.Sha256], Is.EqualTo(big.Bytes), "the parts assemble into the whole file");
        Assert.That(reports[^1].SentBytes, Is.EqualTo(job.TotalBytes));
        Assert.That(reports[^1].Line(), Does.Match(@"^uploading job files: 21\.\d MB of 21\.\d MB, [\d.]+ (KB|MB|GB|B)/s, ETA \d+:\d\d$"));
    }

    [Test]
    public async Task A_bucket_policy_that_denies_uploads_is_one_sentence()
    {
        using var store = new StoreFixture();
        var content = await store.OpenAsync();
        var job = store.Job(("shot.blend", 1000, 1));
        store.S3.Deny("PutObject");

        var error = Assert.ThrowsAsync<UserFacingException>(() => content.UploadAsync(job, null, CancellationToken.None))!;

        Assert.That(error.Message, Does.StartWith($"S3 denied uploading shot.blend on bucket {store.Bucket} (AccessDenied)"));
        Assert.That(error.Message.Split('\n'), Has.Length.EqualTo(1));
    }

    /// <summary>Reports on the caller's thread, so a test sees every report before the upload returns.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
