using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BlenderFarm.Workers.Ssh.Bootstrap;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>
/// The first host of a network (the seed) lending one job's files to the other hosts of that network, so the files
/// leave this machine once. Each peer makes a key pair of its own; the seed lets that public key in with
/// <c>restrict</c>, an <c>expiry-time</c> and a forced command that can only stream files of this job's share folder
/// (hard links of the job's files, named by SHA-256) and nothing else. Disposing (<see cref="CloseAsync"/>) removes the keys and the folder;
/// what a crashed run left is removed by the next run once expired (and sshd refuses an expired key anyway).
/// </summary>
public sealed partial class PeerShare : IAsyncDisposable
{
    /// <summary>The comment that marks BlenderFarm's lines in authorized_keys: <c>blenderfarm-peer:ID:EXPIRY</c>.</summary>
    public const string Marker = "blenderfarm-peer";

    /// <summary>The name peers pin the seed's host key under (ssh's HostKeyAlias), whatever address they reach it by.</summary>
    internal const string Alias = "blenderfarm-seed";

    /// <summary>How long a peer key stays valid if no run removes it.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);
    private readonly SshConnection _seed;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _closed;

    private PeerShare(SshConnection seed, string id, string expiry, string folder)
    {
        _seed = seed;
        Id = id;
        Expiry = expiry;
        Folder = folder;
    }

    public HostSpec Seed => _seed.Host;

    /// <summary>This share's id, in its authorized_keys lines and folder name.</summary>
    public string Id { get; }

    /// <summary>When its keys stop working, UTC, as <c>yyyyMMddHHmmss</c> (sorts and compares as a number).</summary>
    public string Expiry { get; }

    /// <summary>The seed's folder of this job's files, each a hard link named by its SHA-256.</summary>
    public string Folder { get; }

    /// <summary>Where the peers reach the seed's sshd.</summary>
    public (string Host, int Port) Address => Seed.PeerAddress ?? (Seed.Host, Seed.Port);

    /// <summary>The seed's host key as a known_hosts line under <see cref="Alias"/>: the one this machine checked itself.</summary>
    public string KnownHostsLine
    {
        get
        {
            var key = _seed.HostKey.ToArray();
            return KnownHosts.Line(Alias, KnownHosts.KeyType(key), key);
        }
    }

    /// <summary>Removes what expired shares left on the seed, then links the job's files (already in its cache) into a new share folder.</summary>
    public static async Task<PeerShare> OpenAsync(HostSpec seed, HostKeyPolicy hostKeys, string workFolder, JobFiles files, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var connection = await SshConnection.ConnectAsync(seed, hostKeys, cancellationToken).ConfigureAwait(false);
        var (id, expiry) = (Guid.NewGuid().ToString("N")[..16], Stamp(now + Lifetime));
        var share = new PeerShare(connection, id, expiry, $"{workFolder}/peer-share/{expiry}-{id}");
        try
        {
            var script = new StringBuilder();
            script.Append(share.RemoveKeysScript(Stamp(now), id: null));
            script.Append(RemoveExpiredFolders(workFolder + "/peer-share", Stamp(now)));
            script.Append(CultureInfo.InvariantCulture, $"set -e\nmkdir -p {RemoteScript.Path(share.Folder)}\ncd {RemoteScript.Path(workFolder + "/cache")}\nfor h in");
            foreach (var hash in files.Files.Select(f => f.Sha256).Distinct())
            {
                script.Append(' ').Append(hash); // hex digits only
            }

            script.Append(CultureInfo.InvariantCulture, $"; do ln -f \"$h\" {RemoteScript.Path(share.Folder)}/\"$h\" 2>/dev/null || cp -f \"$h\" {RemoteScript.Path(share.Folder)}/\"$h\"; done\n");
            await share.RunAsync(script.ToString(), "share the job's files", cancellationToken).ConfigureAwait(false);
            return share;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Lets one peer's public key (<c>ssh-ed25519 AAAA…</c>) read this share, and nothing else, until it expires or the share closes.</summary>
    public async Task AuthorizeAsync(string publicKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        var key = PublicKey().Match(publicKey.Trim());
        if (!key.Success)
        {
            throw new SshFailure($"A peer of {Seed.Name} made a key that is not an OpenSSH ED25519 public key.");
        }

        var line = $"restrict,expiry-time=\"{Expiry}Z\",command=\"{ForcedCommand(Folder).Replace("\"", "\\\"", StringComparison.Ordinal)}\" {key.Value} {Marker}:{Id}:{Expiry}";
        var file = HostProbe.RemotePath(Seed.AuthorizedKeysFile);
        // A last line without its newline would swallow ours; the file keeps its owner and mode (0600 when new).
        var script = $"umask 077\nf={file}\nmkdir -p \"$(dirname \"$f\")\"\nif [ -s \"$f\" ] && [ -n \"$(tail -c 1 \"$f\")\" ]; then echo >> \"$f\"; fi\nprintf '%s\\n' {ShellQuote.Quote(line)} >> \"$f\"\n";
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RunAsync(script, "let a peer's key in", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Removes this share's keys from the seed's authorized_keys and its folder, with its own deadline; says through
    /// <paramref name="warn"/> when it could not (the keys still expire, and the next run removes them).
    /// </summary>
    public async Task CloseAsync(Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(warn);
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            using var deadline = new CancellationTokenSource(CommandTimeout);
            await RunAsync(RemoveKeysScript(now: null, Id) + $"rm -rf {RemoteScript.Path(Folder)}\n", "remove the peers' keys", deadline.Token).ConfigureAwait(false);
        }
        catch (SshFailure e)
        {
            warn($"{e.Message.TrimEnd('.')}; they expire at {Expiry} UTC and the next run removes them");
        }
        catch (OperationCanceledException)
        {
            warn($"{Seed.Name} did not remove the peers' keys in time; they expire at {Expiry} UTC and the next run removes them");
        }
        finally
        {
            _seed.Dispose();
            _gate.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync(_ => { }).ConfigureAwait(false);

    /// <summary>UTC as <c>yyyyMMddHHmmss</c>.</summary>
    internal static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>A script removing the folders under <paramref name="parent"/> named <c>EXPIRY-ID</c> whose expiry is before <paramref name="now"/>.</summary>
    internal static string RemoveExpiredFolders(string parent, string now) =>
        $"for d in {RemoteScript.Path(parent)}/*; do [ -d \"$d\" ] || continue; n=${{d##*/}}; e=${{n%%-*}}; case $e in *[!0-9]*|'') continue;; esac; if [ \"$e\" -lt {now} ]; then rm -rf \"$d\"; fi; done\n";

    /// <summary>
    /// The command sshd runs for a peer's key, whatever it asks for. sshd hands it to the login shell, so it holds only
    /// characters every shell reads alike (fish, tcsh, zsh, sh): the real script travels base64-encoded. That script
    /// reads SHA-256 names on stdin, drops anything else, and writes a tar of the named files of the share folder.
    /// </summary>
    internal static string ForcedCommand(string folder)
    {
        var script = $"cd {RemoteScript.Path(folder)} || exit 1\n"
            + "while IFS= read -r h; do case $h in *[!0-9a-f]*|'') continue;; esac; if [ ${#h} -eq 64 ] && [ -f \"$h\" ] && [ ! -h \"$h\" ]; then printf '%s\\n' \"$h\"; fi; done | tar -cf - -T -\n";
        return $"exec /bin/sh -c 'eval \"$(echo {Convert.ToBase64String(Encoding.UTF8.GetBytes(script))} | base64 -d)\"'";
    }

    /// <summary>Removes BlenderFarm's peer lines from the seed's authorized_keys: those of share <paramref name="id"/>, or those expired before <paramref name="now"/>.</summary>
    private string RemoveKeysScript(string? now, string? id) =>
        $"f={HostProbe.RemotePath(Seed.AuthorizedKeysFile)}\nif [ -f \"$f\" ] && grep -q {Marker}: \"$f\"; then t=$(mktemp) || exit 1; "
        + $"awk -v now={now ?? "0"} -v id={id ?? "-"} '{{ n = split($NF, p, \":\"); if (n == 3 && p[1] == \"{Marker}\" && (p[2] == id || p[3] + 0 < now + 0)) next; print }}' \"$f\" > \"$t\" && cat \"$t\" > \"$f\"; "
        + "r=$?; rm -f \"$t\"; [ $r -eq 0 ] || exit $r; fi\n";

    private async Task<string> RunAsync(string script, string what, CancellationToken cancellationToken)
    {
        var (code, output, error) = await _seed.RunAsync(script, CommandTimeout, cancellationToken).ConfigureAwait(false);
        return code == 0 ? output : throw new SshFailure($"{Seed.Name} could not {what} for its network: {error.Trim()}");
    }

    [GeneratedRegex("^ssh-ed25519 [A-Za-z0-9+/]+={0,2}")]
    private static partial Regex PublicKey();
}
