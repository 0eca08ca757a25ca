using System.Globalization;
using System.Text.RegularExpressions;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// Which official Linux build an instance installs: the release that saved the job's .blend (the artist's Blender),
/// unless the user pins a version (<c>blender-version</c>) or a download (<c>blender-url</c>). The patch is the
/// artist's own when this computer runs that release, else the last of the release line, else X.Y.0.
/// </summary>
public static partial class OfficialBlender
{
    /// <summary>Where Blender publishes its releases: <c>BlenderX.Y/blender-X.Y.Z-linux-x64.tar.xz</c> beside their checksums.</summary>
    public static readonly Uri Mirror = new("https://download.blender.org/release/");

    /// <summary>The last patch of each release line that gets no more (LTS lines that may still move are left out).</summary>
    private static readonly Dictionary<(int Major, int Minor), int> LastPatch = new()
    {
        [(2, 93)] = 18,
        [(3, 0)] = 1,
        [(3, 1)] = 2,
        [(3, 2)] = 2,
        [(3, 3)] = 21,
        [(3, 4)] = 1,
        [(3, 5)] = 1,
        [(4, 0)] = 2,
        [(4, 1)] = 1,
        [(4, 3)] = 2,
        [(4, 4)] = 3,
    };

    /// <summary>
    /// The full version (X.Y.Z) to install for <paramref name="release"/>: <paramref name="artistVersion"/> (this
    /// computer's Blender, e.g. "4.3.2") when it is that release, else the line's last known patch, else X.Y.0.
    /// </summary>
    public static string VersionFor(BlenderRelease release, string? artistVersion)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (Full(artistVersion) is { } artist && BlenderRelease.Parse(artist) == release)
        {
            return artist;
        }

        var patch = LastPatch.GetValueOrDefault((release.Major, release.Minor));
        return string.Create(CultureInfo.InvariantCulture, $"{release.Major}.{release.Minor}.{patch}");
    }

    /// <summary>The official Linux x64 build of <paramref name="version"/> (X.Y.Z) under <paramref name="mirror"/>.</summary>
    public static Uri Download(Uri mirror, string version)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var release = BlenderRelease.Parse(version) ?? throw new ArgumentException($"'{version}' is not a Blender version.", nameof(version));
        var folder = mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
        return new Uri(folder, $"Blender{release}/blender-{version}-linux-x64.tar.xz");
    }

    /// <summary>"4.3.2" from "4.3.2", "4.3.2 LTS" or "Blender 4.3.2"; null when the text has no X.Y.Z.</summary>
    public static string? Full(string? version) =>
        version is not null && FullVersion().Match(version) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"^\s*(?:Blender\s+)?(\d+\.\d+\.\d+)\b", RegexOptions.CultureInvariant)]
    private static partial Regex FullVersion();
}

/// <summary>An instance's Blender cannot read the job's file: every instance would be the same, so the fleet stops.</summary>
public sealed class BlenderTooOldException : Exception
{
    public BlenderTooOldException(string message) : base(message) { }
    public BlenderTooOldException() { }
    public BlenderTooOldException(string message, Exception inner) : base(message, inner) { }
}
