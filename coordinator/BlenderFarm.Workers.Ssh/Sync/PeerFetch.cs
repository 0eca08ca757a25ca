using System.Globalization;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>
/// A host fetching the job's files it lacks from the seed of its network (<see cref="PeerShare"/>), inside that
/// network: it makes a key pair of its own (the private key never leaves it), the seed lets the public key in, and
/// the host runs OpenSSH's own client with the seed's host key pinned (the key this machine checked), no config
/// files, and no agent or prompts. Each file lands in the host's cache only if its SHA-256 matches its name; the key
/// is deleted afterwards. Whatever it could not get, the caller sends from this machine.
/// </summary>
internal static class PeerFetch
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Returns the hashes now in the host's cache, and why the others are not (null when all came).</summary>
    public static async Task<(IReadOnlySet<string> Fetched, string? Problem)> FetchAsync(SshConnection peer, string workFolder, IReadOnlyCollection<JobFile> missing, PeerShare share, TimeProvider time, CancellationToken cancellationToken)
    {
        var keys = $"{workFolder}/peer-keys/{share.Expiry}-{Guid.NewGuid():N}";
        try
        {
            var make = PeerShare.RemoveExpiredFolders(workFolder + "/peer-keys", PeerShare.Stamp(time.GetUtcNow()))
                + $"umask 077\nmkdir -p {RemoteScript.Path(keys)} && cd {RemoteScript.Path(keys)} && ssh-keygen -q -t ed25519 -N '' -C {PeerShare.Marker} -f key >/dev/null </dev/null && cat key.pub\n";
            var (code, publicKey, error) = await peer.RunAsync(make, SetupTimeout, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                return (new HashSet<string>(), $"it could not make a key ({Said(error, code)})");
            }

            await share.AuthorizeAsync(publicKey, cancellationToken).ConfigureAwait(false);
            var bytes = missing.DistinctBy(f => f.Sha256).Sum(f => f.Bytes);
            // Generous for a LAN (5 MB/s at the least); a seed that stops answering ends it sooner (ServerAlive).
            var timeout = TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(bytes / 5_000_000.0);
            var (_, output, fetchError) = await peer.RunAsync(FetchScript(keys, workFolder + "/cache", missing, share), timeout, cancellationToken).ConfigureAwait(false);
            var fetched = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var lacking = missing.Select(f => f.Sha256).Distinct().Count(h => !fetched.Contains(h));
            return (fetched, lacking == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{lacking} file(s) did not come ({Said(fetchError, null)})"));
        }
        catch (SshFailure e)
        {
            return (new HashSet<string>(), e.Message.TrimEnd('.'));
        }
        finally
        {
            await RemoveKeyAsync(peer, keys).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams the missing files from the seed as one tar (one SSH connection), then moves each into the cache only
    /// if its SHA-256 is its name, and prints the names that made it.
    /// </summary>
    private static string FetchScript(string keys, string cache, IEnumerable<JobFile> missing, PeerShare share)
    {
        var hashes = string.Join(' ', missing.Select(f => f.Sha256).Distinct()); // hex digits only
        var (host, port) = share.Address;
        var ssh = ShellQuote.Join(["ssh", "-F", "/dev/null", "-T", "-x", "-a", "-i", "key", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=known_hosts", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "HostKeyAlias=" + PeerShare.Alias, "-o", "UpdateHostKeys=no", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
            "-p", port.ToString(CultureInfo.InvariantCulture), "-l", share.Seed.User, "--", host, "fetch"]);
        return $$"""
            cd {{RemoteScript.Path(keys)}} || exit 1
            printf '%s\n' {{ShellQuote.Quote(share.KnownHostsLine)}} > known_hosts
            mkdir -p incoming
            for h in {{hashes}}; do printf '%s\n' "$h"; done | {{ssh}} 2>ssh-error | (cd incoming && tar -xf - 2>/dev/null)
            if command -v sha256sum >/dev/null 2>&1; then sum() { sha256sum < "$1"; }; else sum() { shasum -a 256 < "$1"; }; fi
            for h in {{hashes}}; do
              f="incoming/$h"
              if [ -f "$f" ] && [ ! -h "$f" ]; then s=$(sum "$f"); if [ "${s%% *}" = "$h" ]; then mv -f "$f" {{RemoteScript.Path(cache)}}/"$h" && echo "$h"; fi; fi
            done
            cat ssh-error >&2
            """;
    }

    private static async Task RemoveKeyAsync(SshConnection peer, string keys)
    {
        try
        {
            using var deadline = new CancellationTokenSource(SetupTimeout);
            await peer.RunAsync($"rm -rf {RemoteScript.Path(keys)}", SetupTimeout, deadline.Token).ConfigureAwait(false);
        }
        catch (SshFailure)
        {
            // The next run on this host removes it once expired; the seed no longer accepts it by then.
        }
        catch (OperationCanceledException)
        {
            // as above
        }
    }

    private static string Said(string error, int? code) =>
        error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() is { } line ? line.TrimEnd('.')
        : code is { } exit ? string.Create(CultureInfo.InvariantCulture, $"exit code {exit}") : "no reason given";
}
