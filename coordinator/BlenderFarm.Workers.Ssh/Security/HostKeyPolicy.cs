namespace BlenderFarm.Workers.Ssh.Security;

/// <summary>
/// Decides whether to trust a host's key: it must match the user's known_hosts or BlenderFarm's own; an unknown host
/// is refused unless new keys may be accepted, in which case it is pinned in BlenderFarm's file for next time.
/// Never trusts blindly.
/// </summary>
public sealed class HostKeyPolicy(IReadOnlyList<string> userKnownHostsFiles, string pinnedKnownHostsFile, bool acceptNewHostKeys)
{
    private readonly Lock _pinLock = new();

    public string PinnedFile => pinnedKnownHostsFile;

    /// <summary>Key types this host is known by, so the client asks for a key it can check (empty: any).</summary>
    public IReadOnlySet<string> KnownKeyTypes(string name) =>
        Load().Lookup(name).Keys.Select(k => k.Type).ToHashSet(StringComparer.Ordinal);

    /// <summary>Returns null when the key is trusted (pinning it if new and allowed); otherwise one sentence why not.</summary>
    public string? Check(string displayName, string knownHostsName, byte[] key)
    {
        var (keys, revoked) = Load().Lookup(knownHostsName);
        var presented = KnownHosts.Fingerprint(key);
        if (revoked.Any(r => r.AsSpan().SequenceEqual(key)))
        {
            return $"Host {displayName} presented a revoked host key ({presented}); refusing it.";
        }

        if (keys.Any(k => k.Key.AsSpan().SequenceEqual(key)))
        {
            return null;
        }

        if (keys.Count > 0)
        {
            var expected = string.Join(", ", keys.Select(k => KnownHosts.Fingerprint(k.Key)).Distinct());
            return $"Host {displayName} presented host key {presented} but known_hosts expects {expected}: refusing it " +
                   $"(if the host was reinstalled, remove the old key with: ssh-keygen -R '{knownHostsName}').";
        }

        if (!acceptNewHostKeys)
        {
            return $"Host {displayName} is not in known_hosts (its key is {presented}): check the fingerprint, then connect once with ssh " +
                   "or pass --accept-new-host-keys to pin it.";
        }

        Pin(knownHostsName, KnownHosts.KeyType(key), key);
        return null;
    }

    /// <summary>
    /// Pins a key that was verified another way (a cloud instance's key matched against its console output, or the
    /// key handed to it at launch) in BlenderFarm's own file, 0600 like every pin.
    /// </summary>
    public void PinVerified(string knownHostsName, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Pin(knownHostsName, KnownHosts.KeyType(key), key);
    }

    private KnownHosts Load() => KnownHosts.Load([.. userKnownHostsFiles, pinnedKnownHostsFile]);

    private void Pin(string name, string keyType, byte[] key)
    {
        lock (_pinLock)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(pinnedKnownHostsFile)!);
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // 0600 from the first byte whatever the umask, and again on every write (an older file may be looser).
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                if (File.Exists(pinnedKnownHostsFile))
                {
                    File.SetUnixFileMode(pinnedKnownHostsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            using var writer = new StreamWriter(pinnedKnownHostsFile, options);
            writer.Write(KnownHosts.Line(name, keyType, key) + "\n");
        }
    }
}
