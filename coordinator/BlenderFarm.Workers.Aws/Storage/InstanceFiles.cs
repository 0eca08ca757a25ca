using System.Globalization;
using System.Text;
using BlenderFarm.Workers.Ssh.Bootstrap;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>
/// An instance fetches its job's files from S3 itself, inside AWS, into the host cache the SSH sync assembles job
/// folders from (<c>WORK/cache/SHA256</c>), so the sync that follows sends nothing. It gets one presigned GET URL per
/// object of its job and nothing else: no credentials. Each download is checked against its SHA-256; a refused URL or
/// a stalled transfer fails with S3's own code and message, never hangs.
/// </summary>
public static class InstanceFiles
{
    /// <summary>Bound on the whole fetch; each transfer also fails once it moves under 1 KB/s for 30 s.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(60);

    // $1: the SHA-256, $2: its URL. Prints "fetched HASH BYTES" for each file it had to download.
    private const string FetchOne = """
        h=$1; u=$2; p="$h.part.$$"
        [ -f "$h" ] && exit 0
        code=$(curl -sS --connect-timeout 10 --speed-limit 1024 --speed-time 30 --retry 3 -o "$p" -w '%{http_code}' "$u" 2>"$p.err") || { echo "$h: S3 could not be reached: $(tail -n 1 "$p.err")" >&2; rm -f "$p" "$p.err"; exit 1; }
        rm -f "$p.err"
        if [ "$code" != 200 ]; then echo "$h: S3 answered HTTP $code $(tr -d '\n' < "$p" | sed -n 's:.*<Code>\([^<]*\)</Code>.*<Message>\([^<]*\)</Message>.*:\1 (\2):p')" >&2; rm -f "$p"; exit 1; fi
        echo "$h  $p" | sha256sum -c --status || { echo "$h: the download does not match its SHA-256" >&2; rm -f "$p"; exit 1; }
        mv -f "$p" "$h" && echo "fetched $h $(wc -c < "$h")"
        """;

    /// <summary>Fetches what the instance's cache lacks. Returns the files and bytes the instance downloaded from S3.</summary>
    public static async Task<(int Files, long Bytes)> FetchAsync(HostSpec host, HostKeyPolicy hostKeys, ContentStore store, JobFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(files);
        using var connection = await SshConnection.ConnectAsync(host, hostKeys, cancellationToken).ConfigureAwait(false);
        var script = Script(HostProbe.RemotePath(host.WorkFolder ?? "~/.cache/blenderfarm") + "/cache", store, files);
        var (code, output, error) = await connection.RunAsync("sh -c " + ShellQuote.Quote(script), Timeout, cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            var reason = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {code}";
            throw new JobFilesUnavailableException($"{host.Name} could not fetch the job's files from S3 bucket {store.Bucket}: {reason}");
        }

        var fetched = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ')).Where(p => p is ["fetched", _, _]).ToList();
        return (fetched.Count, fetched.Sum(p => long.Parse(p[2], CultureInfo.InvariantCulture)));
    }

    /// <summary>The shell script: one line per object ("HASH URL"), fetched <see cref="StorageOptions.InstanceParallelism"/> at a time.</summary>
    internal static string Script(string cacheFolder, ContentStore store, JobFiles files)
    {
        var script = new StringBuilder();
        script.Append("set -e\n");
        script.Append("command -v curl >/dev/null || { echo 'curl is not installed on the instance' >&2; exit 1; }\n");
        script.Append(CultureInfo.InvariantCulture, $"mkdir -p {cacheFolder} && cd {cacheFolder}\n");
        script.Append(CultureInfo.InvariantCulture, $"xargs -P {Math.Max(1, store.Options.InstanceParallelism)} -L 1 sh -c {ShellQuote.Quote(FetchOne)} fetch <<'URLS'\n");
        foreach (var file in files.Files.DistinctBy(f => f.Sha256))
        {
            // Hex digits and a URL-encoded URL: nothing xargs or the shell would interpret.
            script.Append(file.Sha256).Append(' ').Append(store.PresignGet(file.Sha256).AbsoluteUri).Append('\n');
        }

        script.Append("URLS\n");
        return script.ToString();
    }
}
