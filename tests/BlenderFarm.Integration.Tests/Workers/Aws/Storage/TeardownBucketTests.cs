using Amazon.Runtime;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;
using BlenderFarm.Integration.Tests.Support.FakeS3;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary><c>teardown</c> leaves the bucket of job files and says what it holds; <c>teardown --delete-bucket</c> empties and deletes it.</summary>
[Category("Aws")]
public sealed class TeardownBucketTests
{
    [Test]
    public async Task Teardown_keeps_the_bucket_and_says_what_it_holds_and_delete_bucket_removes_it()
    {
        using var workspace = new Workspace();
        using var ec2 = FakeEc2.Start(workspace.PathOf("ec2"));
        using var s3 = FakeS3.Start();
        ec2.UseIn(workspace);
        var owner = OwnerId.For(workspace.PathOf("home", "aws"));
        var bucket = StoreBucket.NameFor(owner, s3.Region);
        using var client = S3Access.Open(new BasicAWSCredentials(s3.AccessKey, s3.SecretKey), s3.Region, new StorageOptions { ServiceUrl = s3.ServiceUrl });
        await StoreBucket.EnsureAsync(client, bucket, owner, s3.Region, 7, CancellationToken.None);
        var file = workspace.PathOf("texture.png");
        await File.WriteAllBytesAsync(file, new byte[3_000_000]);
        var store = new ContentStore(client, bucket, new StorageOptions { ServiceUrl = s3.ServiceUrl }, TimeProvider.System);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        await store.UploadAsync(new BlenderFarm.Workers.Ssh.Sync.JobFiles([new("texture.png", file, sha, 3_000_000)], "texture.png"), null, CancellationToken.None);
        var workers = $"aws:endpoint={ec2.ServiceUrl},s3-endpoint={s3.ServiceUrl},region={ec2.Region},caller-cidr=127.0.0.1/32";

        var kept = await workspace.Cli.RunAsync("teardown", "--workers", workers);
        var deleted = await workspace.Cli.RunAsync("teardown", "--workers", workers, "--delete-bucket");
        var none = await workspace.Cli.RunAsync("teardown", "--workers", workers);

        Assert.That(kept.ExitCode, Is.Zero, kept.ToString());
        Assert.That(kept.Stdout, Does.Contain($"Kept S3 bucket {bucket} of job files for the next jobs: 1 file(s), 2.9 MB, about $0.00 a month; files expire 7 days after upload, 'blenderfarm teardown --delete-bucket' deletes them now."));
        Assert.That(deleted.ExitCode, Is.Zero, deleted.ToString());
        Assert.That(deleted.Stdout, Does.Contain($"Deleted S3 bucket {bucket} and its 1 file(s), 2.9 MB"));
        Assert.That(s3.Buckets, Is.Empty);
        Assert.That(none.Stdout, Does.Contain($"There is no S3 bucket of job files ({bucket})."));
        Assert.That(s3.RefusedRequests, Is.Empty);
    }
}
