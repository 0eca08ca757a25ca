using Amazon.Runtime;
using Amazon.S3;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeS3;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>A fake S3, the coordinator's S3 client for it, and job files made of real bytes in a workspace.</summary>
internal sealed class StoreFixture : IDisposable
{
    public const string Owner = "artist-host-0123456789ab";

    public StoreFixture(StorageOptions? options = null)
    {
        Workspace = new Workspace();
        S3 = FakeS3.Start();
        Options = (options ?? new StorageOptions()) with { ServiceUrl = S3.ServiceUrl };
        Client = S3Access.Open(new BasicAWSCredentials(S3.AccessKey, S3.SecretKey), S3.Region, Options);
        Bucket = StoreBucket.NameFor(Owner, S3.Region);
        Time = TimeProvider.System;
    }

    public Workspace Workspace { get; }

    public FakeS3 S3 { get; }

    public StorageOptions Options { get; }

    public IAmazonS3 Client { get; }

    public string Bucket { get; }

    public TimeProvider Time { get; }

    public async Task<ContentStore> OpenAsync()
    {
        await StoreBucket.EnsureAsync(Client, Bucket, Owner, S3.Region, Options.ExpiryDays, CancellationToken.None);
        return new ContentStore(Client, Bucket, Options, Time);
    }

    /// <summary>Writes each file (relative path, size, seed) into the workspace's project and plans them as a job.</summary>
    public JobFiles Job(params (string Path, int Bytes, int Seed)[] files)
    {
        foreach (var (path, bytes, seed) in files)
        {
            Write(path, bytes, seed);
        }

        return Plan(files.Select(f => f.Path));
    }

    public void Write(string path, int bytes, int seed)
    {
        var full = Workspace.PathOf("project", path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var content = new byte[bytes];
        new Random(seed).NextBytes(content);
        File.WriteAllBytes(full, content);
    }

    public JobFiles Plan(IEnumerable<string> paths)
    {
        var list = paths.Select(p =>
        {
            var full = Workspace.PathOf("project", p);
            using var stream = File.OpenRead(full);
            return new JobFile(p, full, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)), new FileInfo(full).Length);
        }).ToList();
        return new JobFiles(list, list[0].RelativePath);
    }

    public void Dispose()
    {
        Client.Dispose();
        S3.Dispose();
        Workspace.Dispose();
    }
}
