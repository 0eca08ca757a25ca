using System.Globalization;
using System.Text;

namespace BlenderFarm.Workers.Ssh.Hosts;

/// <summary>
/// Reads a hosts file: one host per line, <c>user@host[:port]</c> then optional <c>key=value</c> settings;
/// <c>#</c> starts a comment; values with spaces go in double quotes.
/// <code>
/// # user@host[:port]   settings
/// render@gpu1          key=~/.ssh/farm_ed25519 blender=/opt/blender/blender slots=2
/// render@10.0.0.7:2222 key=~/.ssh/farm_rsa passphrase-env=FARM_KEY_PASSPHRASE dir=/scratch/blenderfarm
/// </code>
/// Settings: <c>key</c> (private key file, OpenSSH format, ED25519 or RSA), <c>passphrase-env</c> (the environment
/// variable holding its passphrase: never the passphrase itself), <c>blender</c> (default <c>blender</c> on the host's
/// PATH), <c>slots</c> (override: default one per GPU, or 1 on a CPU-only host), <c>dir</c> (the host's work folder,
/// default <c>~/.cache/blenderfarm</c>), <c>network</c> (hosts with the same name get the job from this machine once,
/// through the first of them), <c>peer-address</c> (where the others of its network reach it, when not at its own
/// address), <c>authorized-keys</c> (the file its sshd reads keys from, default <c>~/.ssh/authorized_keys</c>).
/// </summary>
public static class HostsFile
{
    public static IReadOnlyList<HostSpec> Parse(string text, string source, string? defaultIdentity)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hosts = new List<HostSpec>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var tokens = Tokenize(StripComment(raw), source, number);
            if (tokens.Count == 0)
            {
                continue;
            }

            var settings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var token in tokens.Skip(1))
            {
                var equals = token.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new FormatException($"{source} line {number}: '{token}' is not a key=value setting.");
                }

                var key = token[..equals];
                if (key is not ("key" or "passphrase-env" or "blender" or "slots" or "dir" or "network" or "peer-address" or "authorized-keys"))
                {
                    throw new FormatException($"{source} line {number}: unknown setting '{key}' (key, passphrase-env, blender, slots, dir, network, peer-address, authorized-keys).");
                }

                settings[key] = token[(equals + 1)..];
            }

            var host = ParseAddress(tokens[0], $"{source} line {number}");
            int? slots = null;
            if (settings.TryGetValue("slots", out var slotText))
            {
                slots = int.TryParse(slotText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64
                    ? n
                    : throw new FormatException($"{source} line {number}: slots takes a number from 1 to 64, not '{slotText}'.");
            }

            hosts.Add(host with
            {
                IdentityFile = settings.GetValueOrDefault("key") is { } key2 ? ExpandHome(key2) : defaultIdentity,
                PassphraseVariable = settings.GetValueOrDefault("passphrase-env"),
                BlenderPath = settings.GetValueOrDefault("blender") ?? "blender",
                Slots = slots,
                WorkFolder = settings.GetValueOrDefault("dir"),
                Network = settings.GetValueOrDefault("network") is { Length: > 0 } network ? network : null,
                PeerAddress = settings.GetValueOrDefault("peer-address") is { } peer ? PeerAddressOf(peer, $"{source} line {number}") : null,
                AuthorizedKeysFile = settings.GetValueOrDefault("authorized-keys") ?? "~/.ssh/authorized_keys",
            });
        }

        return hosts.Count > 0 ? hosts : throw new FormatException($"{source} names no hosts.");
    }

    /// <summary>Reads <c>user@host[:port]</c> (IPv6 as <c>user@[::1]:22</c>).</summary>
    public static HostSpec ParseAddress(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var user = at > 0 ? text[..at] : Environment.UserName;
        var rest = at >= 0 ? text[(at + 1)..] : text;
        var host = rest;
        var port = 22;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"{where}: '{text}' has an unclosed '['.");
            }

            host = rest[1..close];
            rest = rest[(close + 1)..];
            if (rest.StartsWith(':'))
            {
                port = ParsePort(rest[1..], text, where);
            }
        }
        else if (rest.Count(c => c == ':') == 1)
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = rest[..colon];
            port = ParsePort(rest[(colon + 1)..], text, where);
        }

        if (host.Length == 0 || user.Length == 0 || host.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"{where}: '{text}' is not user@host[:port].");
        }

        return new HostSpec(user, host, port, null, null, "blender", null, null);
    }

    /// <summary><c>host[:port]</c> (IPv6 as <c>[::1]:22</c>), where the other hosts of a network reach this one.</summary>
    private static (string Host, int Port) PeerAddressOf(string text, string where)
    {
        if (text.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException($"{where}: peer-address takes host[:port], not '{text}'.");
        }

        var parsed = ParseAddress(text, where);
        return (parsed.Host, parsed.Port);
    }

    private static int ParsePort(string text, string address, string where) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
            ? port
            : throw new FormatException($"{where}: '{address}' has no valid port.");

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;

    private static string StripComment(string line)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"')
            {
                quoted = !quoted;
            }
            else if (line[i] == '#' && !quoted)
            {
                return line[..i];
            }
        }

        return line;
    }

    private static List<string> Tokenize(string line, string source, int number)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line.TrimEnd('\r'))
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }

        if (quoted)
        {
            throw new FormatException($"{source} line {number}: a double quote is not closed.");
        }

        if (any)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }
}
