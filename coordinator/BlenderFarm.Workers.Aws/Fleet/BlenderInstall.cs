using System.Text.RegularExpressions;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// Installs the official Linux build on an instance whose image has no Blender, and installs nothing whose SHA-256
/// differs from the official checksum: the one pinned in the settings (<c>blender-sha256</c>), else the one Blender
/// publishes beside the download (<c>&lt;file&gt;.sha256</c>, or the release's <c>blender-X.Y.Z.sha256</c> list).
/// </summary>
public static partial class BlenderInstall
{
    /// <summary>The script's exit code when no official checksum names the download.</summary>
    public const int NoChecksum = 65;

    /// <summary>The script's exit code when the download's SHA-256 is not the official one.</summary>
    public const int ChecksumMismatch = 66;

    private const string MismatchMarker = "@@BF-SHA256-MISMATCH ";

    /// <summary>Where the official checksums of <paramref name="download"/> are looked for, in order.</summary>
    public static IReadOnlyList<Uri> ChecksumSources(Uri download)
    {
        ArgumentNullException.ThrowIfNull(download);
        var sidecar = new Uri(download + ".sha256");
        var name = download.Segments[^1];
        return ReleaseVersion().Match(name) is { Success: true } version
            ? [sidecar, new Uri(download, $"blender-{version.Groups[1].Value}.sha256")]
            : [sidecar];
    }

    /// <summary>A POSIX sh script: exit 0 with Blender in ~/blender, or <see cref="NoChecksum"/> / <see cref="ChecksumMismatch"/> with a sentence on stderr.</summary>
    public static string Script(AwsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = options.BlenderDownload;
        var name = url.Segments[^1];
        var sources = ChecksumSources(url);
        var fetchSums = string.Join(" || ", sources.Select(s => $"curl -fsSL {ShellQuote.Quote(s.ToString())}"));
        var expected = options.BlenderSha256 is { } pinned
            ? $"expected={ShellQuote.Quote(pinned.ToLowerInvariant())}"
            : $$"""expected=$( { {{fetchSums}}; } 2>/dev/null | awk -v name={{ShellQuote.Quote(name)}} 'length($1) == 64 && $1 !~ /[^0-9a-fA-F]/ && (NF == 1 || $2 == name || $2 == "*" name) { print tolower($1); exit }')""";
        return $$"""
            set -e
            if [ -x "$HOME/blender/blender" ]; then exit 0; fi
            if command -v apt-get >/dev/null 2>&1 && ! (command -v xz >/dev/null && for lib in libXi.so.6 libXrender.so.1 libxkbcommon.so.0 libSM.so.6 libGL.so.1 libXxf86vm.so.1 libXfixes.so.3; do ldconfig -p | grep -q "$lib" || exit 1; done); then
              sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxi6 libxrender1 libxkbcommon0 libsm6 libgl1 libxxf86vm1 libxfixes3 xz-utils curl >/dev/null 2>&1 || true
            fi
            rm -rf "$HOME/blender.partial" && mkdir -p "$HOME/blender.partial/tree"
            tarball="$HOME/blender.partial/download"
            curl -fsSL {{ShellQuote.Quote(url.ToString())}} -o "$tarball"
            {{expected}}
            if [ -z "$expected" ]; then
              echo "BlenderFarm: no official SHA-256 names {{name}} at {{string.Join(" or ", sources)}}: Blender was not installed" >&2
              rm -rf "$HOME/blender.partial"; exit {{NoChecksum}}
            fi
            actual=$(sha256sum "$tarball" | cut -d ' ' -f 1)
            if [ "$actual" != "$expected" ]; then
              echo "BlenderFarm: the download {{name}} has SHA-256 $actual, not the official $expected: Blender was not installed" >&2
              echo "{{MismatchMarker}}$actual $expected" >&2
              rm -rf "$HOME/blender.partial"; exit {{ChecksumMismatch}}
            fi
            tar -xJf "$tarball" --strip-components=1 -C "$HOME/blender.partial/tree"
            mv "$HOME/blender.partial/tree" "$HOME/blender"
            rm -rf "$HOME/blender.partial"
            """;
    }

    /// <summary>One sentence for a failed install, from the script's exit code and stderr.</summary>
    public static Exception Failure(string host, AwsOptions options, int code, string error)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(error);
        var url = options.BlenderDownload;
        if (code == ChecksumMismatch && error.Split('\n').FirstOrDefault(l => l.StartsWith(MismatchMarker, StringComparison.Ordinal)) is { } line
            && line[MismatchMarker.Length..].Trim().Split(' ') is [var actual, var expected])
        {
            return new BlenderChecksumException(
                $"The Blender download {url} on {host} has SHA-256 {actual}, not the official {expected} (corrupted or tampered with), so it was not installed.");
        }

        if (code == NoChecksum)
        {
            return new BlenderChecksumException(
                $"No official SHA-256 for {url} was found at {string.Join(" or ", ChecksumSources(url))}, so Blender was not installed on {host}: set blender-sha256 to the checksum Blender publishes.");
        }

        var said = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        return new SshFailure($"Blender could not be installed on {host} from {url} (exit {code}): {said}");
    }

    [GeneratedRegex(@"^blender-(\d+\.\d+\.\d+)-", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseVersion();
}

/// <summary>The Blender download's checksum could not be confirmed: every instance would fail the same way, so the fleet stops.</summary>
public sealed class BlenderChecksumException : Exception
{
    public BlenderChecksumException(string message) : base(message) { }
    public BlenderChecksumException() { }
    public BlenderChecksumException(string message, Exception inner) : base(message, inner) { }
}
