using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace BlenderFarm.Workers.Ssh.Security;

/// <summary>
/// Reads OpenSSH known_hosts files: plain and hashed (<c>|1|salt|hash</c>) host names, <c>[host]:port</c>,
/// comma lists, <c>*</c>/<c>?</c> patterns and <c>!</c> negations, and the <c>@revoked</c> marker.
/// </summary>
public sealed class KnownHosts
{
    private readonly List<Entry> _entries = [];

    public static KnownHosts Load(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var known = new KnownHosts();
        foreach (var file in files.Where(File.Exists))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                known.AddLine(line);
            }
        }

        return known;
    }

    public void AddLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 3 || fields[0].StartsWith('#'))
        {
            return;
        }

        var marker = fields[0].StartsWith('@') ? fields[0] : null;
        if (marker is not null)
        {
            fields = fields[1..];
            if (fields.Length < 3 || marker == "@cert-authority")
            {
                return;
            }
        }

        try
        {
            _entries.Add(new Entry(fields[0].Split(','), fields[1], Convert.FromBase64String(fields[2]), marker == "@revoked"));
        }
        catch (FormatException)
        {
            // A damaged line is skipped, as OpenSSH does.
        }
    }

    /// <summary>The keys known for a host (as known_hosts names it: <c>host</c> or <c>[host]:port</c>), and whether any is revoked.</summary>
    public (IReadOnlyList<(string Type, byte[] Key)> Keys, IReadOnlyList<byte[]> Revoked) Lookup(string name)
    {
        var keys = new List<(string, byte[])>();
        var revoked = new List<byte[]>();
        foreach (var entry in _entries.Where(e => Matches(e.Patterns, name)))
        {
            if (entry.Revoked)
            {
                revoked.Add(entry.Key);
            }
            else
            {
                keys.Add((entry.Type, entry.Key));
            }
        }

        return (keys, revoked);
    }

    /// <summary>The fingerprint OpenSSH shows: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key)).TrimEnd('=');

    /// <summary>The key type written inside an SSH public key blob (e.g. <c>ssh-ed25519</c>, <c>ssh-rsa</c>).</summary>
    public static string KeyType(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 4)
        {
            return "unknown";
        }

        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(key);
        return length > 0 && length <= key.Length - 4 ? Encoding.ASCII.GetString(key, 4, length) : "unknown";
    }

    /// <summary>A known_hosts line for the key, as BlenderFarm pins it.</summary>
    public static string Line(string name, string type, byte[] key) => $"{name} {type} {Convert.ToBase64String(key)}";

    private static bool Matches(string[] patterns, string name)
    {
        var matched = false;
        foreach (var pattern in patterns)
        {
            if (pattern.StartsWith("|1|", StringComparison.Ordinal))
            {
                matched |= HashedMatches(pattern, name);
            }
            else if (pattern.StartsWith('!'))
            {
                if (Glob(pattern[1..], name))
                {
                    return false;
                }
            }
            else
            {
                matched |= Glob(pattern, name);
            }
        }

        return matched;
    }

    /// <summary>OpenSSH lowercases the host name before hashing it, so <c>MyHost</c> matches an entry hashed as <c>myhost</c>.</summary>
    private static bool HashedMatches(string pattern, string name)
    {
        var parts = pattern.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            return CryptographicOperations.FixedTimeEquals(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name.ToLowerInvariant())), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool Glob(string pattern, string name) =>
        pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal)
            ? Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
            : string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);

    private sealed record Entry(string[] Patterns, string Type, byte[] Key, bool Revoked);
}
