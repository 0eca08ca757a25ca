using System.Globalization;
using System.Text;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>
/// Puts a job's files on a host: each file is uploaded once into a content-addressed cache (<c>WORK/cache/SHA256</c>),
/// then the job folder is assembled from the cache with hard links (copies where links fail). Resubmitting after
/// changing one texture uploads only that texture.
/// </summary>
public static class RemoteJobFolder
{
    /// <summary>
    /// Returns how many files and bytes had to be uploaded, and how many came from the seed of the host's network
    /// (<paramref name="peers"/>, when given: files it cannot get from there are uploaded, and <paramref name="warn"/> says why).
    /// </summary>
    public static async Task<SyncResult> SyncAsync(SshConnection connection, string workFolder, string jobFolder, JobFiles files, CancellationToken cancellationToken,
        PeerShare? peers = null, TimeProvider? time = null, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(files);
        var cache = workFolder + "/cache";
        var present = await PresentInCacheAsync(connection, cache, files, cancellationToken).ConfigureAwait(false);
        var missing = files.Files.Where(f => !present.Contains(f.Sha256)).DistinctBy(f => f.Sha256).ToList();
        var fetched = new List<JobFile>();
        if (peers is not null && missing.Count > 0)
        {
            var (got, problem) = await PeerFetch.FetchAsync(connection, workFolder, missing, peers, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
            fetched = [.. missing.Where(f => got.Contains(f.Sha256))];
            missing = [.. missing.Where(f => !got.Contains(f.Sha256))];
            if (problem is not null)
            {
                warn?.Invoke($"host {connection.Host.Name} could not fetch the job from {peers.Seed.Name} in its network: {problem}; sending {missing.Count} file(s) from this machine");
            }
        }

        foreach (var file in missing)
        {
            var partial = $"{cache}/{file.Sha256}.part-{Guid.NewGuid():N}";
            await connection.UploadAsync(file.LocalPath, partial, cancellationToken).ConfigureAwait(false);
            await Run(connection, $"mv -f {RemoteScript.Path(partial)} {RemoteScript.Path(cache + "/" + file.Sha256)}", cancellationToken).ConfigureAwait(false);
        }

        await AssembleAsync(connection, cache, jobFolder, files, cancellationToken).ConfigureAwait(false);
        return new SyncResult(missing.Count, missing.Sum(f => f.Bytes), fetched.Count, fetched.Sum(f => f.Bytes));
    }

    private static async Task<HashSet<string>> PresentInCacheAsync(SshConnection connection, string cache, JobFiles files, CancellationToken cancellationToken)
    {
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $"mkdir -p {RemoteScript.Path(cache)} && cd {RemoteScript.Path(cache)} && for h in");
        foreach (var hash in files.Files.Select(f => f.Sha256).Distinct())
        {
            script.Append(' ').Append(hash); // hex digits only
        }

        script.Append("; do [ -f \"$h\" ] && echo \"$h\"; done; true");
        var output = await Run(connection, script.ToString(), cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task AssembleAsync(SshConnection connection, string cache, string jobFolder, JobFiles files, CancellationToken cancellationToken)
    {
        var script = new StringBuilder("set -e\n");
        foreach (var file in files.Files)
        {
            var target = jobFolder + "/" + file.RelativePath;
            var folder = target[..target.LastIndexOf('/')];
            var source = RemoteScript.Path(cache + "/" + file.Sha256);
            script.Append(CultureInfo.InvariantCulture,
                $"mkdir -p {RemoteScript.Path(folder)}; rm -f {RemoteScript.Path(target)}; ln {source} {RemoteScript.Path(target)} 2>/dev/null || cp {source} {RemoteScript.Path(target)}\n");
        }

        await Run(connection, script.ToString(), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> Run(SshConnection connection, string script, CancellationToken cancellationToken)
    {
        var (code, output, error) = await connection.RunAsync(script, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        return code == 0
            ? output
            : throw new SshFailure($"Preparing the job folder on {connection.Host.Name} failed: {error.Trim()}");
    }
}
