using System.Text.RegularExpressions;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.HostKeys;

/// <summary>
/// Reads the host key fingerprints cloud-init prints to an instance's console at first boot: the lines between
/// <c>-----BEGIN SSH HOST KEY FINGERPRINTS-----</c> and its END marker, and the keys between
/// <c>-----BEGIN SSH HOST KEY KEYS-----</c> and its END marker (whose SHA256 is computed here).
/// </summary>
public static partial class ConsoleFingerprints
{
    /// <summary>SHA256 fingerprints (<c>SHA256:...</c>) found in the console text; empty while cloud-init has not printed them.</summary>
    public static IReadOnlySet<string> Parse(string consoleText)
    {
        ArgumentNullException.ThrowIfNull(consoleText);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in Block(consoleText, "FINGERPRINTS"))
        {
            if (FingerprintPattern().Match(line) is { Success: true } match)
            {
                found.Add(match.Value);
            }
        }

        foreach (var line in Block(consoleText, "KEYS"))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && TryBase64(parts[1]) is { } key)
            {
                found.Add(KnownHosts.Fingerprint(key));
            }
        }

        return found;
    }

    private static IEnumerable<string> Block(string text, string kind)
    {
        var inside = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = Unprefixed(raw.TrimEnd('\r'));
            if (line == $"-----BEGIN SSH HOST KEY {kind}-----")
            {
                inside = true;
            }
            else if (line == $"-----END SSH HOST KEY {kind}-----")
            {
                inside = false;
            }
            else if (inside)
            {
                yield return line;
            }
        }
    }

    /// <summary>Console lines may carry a kernel timestamp or an <c>ec2: </c> prefix before the text.</summary>
    private static string Unprefixed(string line)
    {
        var text = line.Trim();
        if (text.StartsWith('[') && text.IndexOf(']', StringComparison.Ordinal) is var end and > 0)
        {
            text = text[(end + 1)..].Trim();
        }

        return text.StartsWith("ec2:", StringComparison.Ordinal) ? text["ec2:".Length..].Trim() : text;
    }

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex("SHA256:[A-Za-z0-9+/]{43}")]
    private static partial Regex FingerprintPattern();
}
