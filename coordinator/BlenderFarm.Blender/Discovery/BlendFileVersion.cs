using System.Globalization;
using System.IO.Compression;
using System.Text;
using ZstdSharp;

namespace BlenderFarm.Blender.Discovery;

/// <summary>A Blender release as MAJOR.MINOR: the version that saved a .blend, or the version of a worker's Blender.</summary>
public sealed record BlenderRelease(int Major, int Minor) : IComparable<BlenderRelease>
{
    /// <summary>Reads the leading MAJOR.MINOR of a version string such as "4.3.2" or "5.2.2 LTS"; null when it has none.</summary>
    public static BlenderRelease? Parse(string? text)
    {
        var match = text is null ? null : System.Text.RegularExpressions.Regex.Match(text, @"^\s*(?:Blender\s+)?(\d+)\.(\d+)");
        return match is { Success: true }
            ? new BlenderRelease(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;
    }

    public int CompareTo(BlenderRelease? other) =>
        other is null ? 1 : Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}

/// <summary>
/// The Blender version that saved a .blend, read from the file header without Blender (a Blender too old for the file
/// cannot open it to tell). Headers: <c>BLENDER_v304</c> (pointer size, endianness, three digits, up to 4.x) and
/// <c>BLENDER17-01v0502</c> (header size, format, four digits, 5.x). The header may be inside a gzip stream (older
/// compressed files) or a zstd stream (compressed files since 3.0; every 5.x file by default).
/// </summary>
public static class BlendFileVersion
{
    private const int HeaderBytes = 17;

    /// <summary>The saving version, or null when the header is not one of the known forms or the file cannot be read.</summary>
    public static BlenderRelease? Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            if (file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length)
            {
                return null;
            }

            file.Position = 0;
            using Stream content = magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true)
                : magic.SequenceEqual<byte>([0x28, 0xb5, 0x2f, 0xfd]) ? new DecompressionStream(file, leaveOpen: true)
                : file;
            var header = new byte[HeaderBytes];
            var read = content.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            return FromHeader(header.AsSpan(0, read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ZstdException)
        {
            return null;
        }
    }

    /// <summary>Parses a header's first bytes (uncompressed); null when they are not a .blend header.</summary>
    public static BlenderRelease? FromHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < 12 || !header[..7].SequenceEqual("BLENDER"u8))
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(header);
        // 5.x: BLENDER + header size (2 digits) + '-' + format (2 digits) + endianness + MMmm (4 digits).
        var large = System.Text.RegularExpressions.Regex.Match(text, @"^BLENDER\d\d-\d\d[vV](\d\d)(\d\d)");
        if (large.Success)
        {
            return new BlenderRelease(int.Parse(large.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(large.Groups[2].Value, CultureInfo.InvariantCulture));
        }

        // Up to 4.x: BLENDER + pointer size ('_' 32-bit, '-' 64-bit) + endianness + Mmm (3 digits: 304 is 3.4, 403 is 4.3).
        var small = System.Text.RegularExpressions.Regex.Match(text, @"^BLENDER[_-][vV](\d)(\d\d)");
        return small.Success
            ? new BlenderRelease(int.Parse(small.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(small.Groups[2].Value, CultureInfo.InvariantCulture))
            : null;
    }
}
