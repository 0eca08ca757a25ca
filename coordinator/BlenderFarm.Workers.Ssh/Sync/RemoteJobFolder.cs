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
    /// <summary>Returns how many files and bytes had to be uploaded.</summary>
    public static async Task<(int Files, long Bytes)> SyncAsync(SshConnection connection, string workFolder, string jobFolder, JobFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(files);
        var cache = workFolder + "/cache";
        var present = await PresentInCacheAsync(connection, cache, files, cancellationToken).ConfigureAwait(false);
        var uploadedFiles = 0;
        var uploadedBytes = 0L;
        foreach (var file in files.Files.Where(f => !present.Contains(f.Sha256)).DistinctBy(f => f.Sha256))
        {
            var partial = $"{cache}/{file.Sha256}.part-{Guid.NewGuid():N}";
            await connection.UploadAsync(file.LocalPath, partial, cancellationToken).ConfigureAwait(false);
            await Run(connection, $"mv -f {RemoteScript.Path(partial)} {RemoteScript.Path(cache + "/" + file.Sha256)}", cancellationToken).ConfigureAwait(false);
            uploadedFiles++;
            uploadedBytes += file.Bytes;
        }

        await AssembleAsync(connection, cache, jobFolder, files, cancellationToken).ConfigureAwait(false);
        return (uploadedFiles, uploadedBytes);
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
