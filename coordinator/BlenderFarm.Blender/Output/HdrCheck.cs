using System.Globalization;
using System.Text;

namespace BlenderFarm.Blender.Output;

/// <summary>Radiance HDR: the "#?" header and its FORMAT, the resolution line ("-Y H +X W" or another orientation),
/// then every scanline decoded (flat, old-style or new-style RLE) so that a short file is seen.</summary>
internal static class HdrCheck
{
    private const int MaxHeaderLine = 4096;

    public static ImageCheck Check(FrameFile file)
    {
        var reader = file.ReaderAt(0);
        var first = ReadLine(reader);
        if (first is null || !first.StartsWith("#?", StringComparison.Ordinal))
        {
            return ImageCheck.Fail("not a Radiance HDR file (no #? header)");
        }

        while (true)
        {
            var line = ReadLine(reader);
            if (line is null)
            {
                return ImageCheck.Fail("truncated HDR: header ends early");
            }

            if (line.Length == 0)
            {
                break;
            }

            if (line.StartsWith("FORMAT=", StringComparison.Ordinal) && line[7..].Trim() is not ("32-bit_rle_rgbe" or "32-bit_rle_xyze"))
            {
                return ImageCheck.Fail($"unsupported HDR {line.Trim()}");
            }
        }

        var resolution = ReadLine(reader);
        var parts = resolution?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not { Length: 4 }
            || !TryParseAxis(parts[0], parts[1], out var firstAxis, out var firstSize)
            || !TryParseAxis(parts[2], parts[3], out var secondAxis, out var secondSize)
            || firstAxis == secondAxis)
        {
            return ImageCheck.Fail("corrupt HDR: no resolution line after the header");
        }

        // The first axis is the one that changes slowest: "-Y H +X W" is H scanlines of W pixels.
        int width = firstAxis == 'X' ? firstSize : secondSize, height = firstAxis == 'Y' ? firstSize : secondSize;
        var problem = CheckScanlines(reader, lineLength: secondSize, lines: firstSize);
        return problem is null ? ImageCheck.Good(width, height) : ImageCheck.Fail(problem, width, height);
    }

    private static bool TryParseAxis(string sign, string size, out char axis, out int value)
    {
        axis = sign.Length == 2 && sign[0] is '+' or '-' ? sign[1] : '?';
        return int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out value) && axis is 'X' or 'Y' && value > 0;
    }

    private static string? CheckScanlines(SequentialReader reader, int lineLength, int lines)
    {
        Span<byte> pixel = stackalloc byte[4];
        for (var line = 0; line < lines; line++)
        {
            if (!reader.TryRead(pixel))
            {
                return $"truncated HDR: scanline {line} of {lines} ends early";
            }

            bool ok;
            if (lineLength is >= 8 and <= 0x7FFF && pixel[0] == 2 && pixel[1] == 2 && (pixel[2] & 0x80) == 0)
            {
                if (((pixel[2] << 8) | pixel[3]) != lineLength)
                {
                    return $"corrupt HDR: scanline {line} has the wrong length";
                }

                ok = SkipNewRle(reader, lineLength);
            }
            else
            {
                ok = SkipFlatOrOldRle(reader, pixel, lineLength);
            }

            if (!ok)
            {
                return reader.AtEnd ? $"truncated HDR: scanline {line} of {lines} ends early" : $"corrupt HDR: scanline {line} does not decode";
            }
        }

        return null;
    }

    /// <summary>Each of the four components run-length encoded in turn.</summary>
    private static bool SkipNewRle(SequentialReader reader, int lineLength)
    {
        for (var component = 0; component < 4; component++)
        {
            for (var done = 0; done < lineLength;)
            {
                var code = reader.ReadByte();
                if (code <= 0)
                {
                    return false;
                }

                var count = code > 128 ? code - 128 : code;
                if (done + count > lineLength || !reader.Skip(code > 128 ? 1 : count))
                {
                    return false;
                }

                done += count;
            }
        }

        return true;
    }

    /// <summary>Four-byte pixels, where (1, 1, 1, n) repeats the previous pixel n times (shifted by 8 bits per consecutive repeat).</summary>
    private static bool SkipFlatOrOldRle(SequentialReader reader, Span<byte> firstPixel, int lineLength)
    {
        var pixel = firstPixel;
        long done = 0;
        var shift = 0;
        while (true)
        {
            if (pixel[0] == 1 && pixel[1] == 1 && pixel[2] == 1 && done > 0)
            {
                done += (long)pixel[3] << shift;
                shift += 8;
            }
            else
            {
                done++;
                shift = 0;
            }

            if (done >= lineLength)
            {
                return done == lineLength;
            }

            if (shift > 24 || !reader.TryRead(pixel))
            {
                return false;
            }
        }
    }

    private static string? ReadLine(SequentialReader reader)
    {
        var line = new StringBuilder();
        while (line.Length < MaxHeaderLine)
        {
            var b = reader.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return line.ToString();
            }

            line.Append((char)b);
        }

        return null;
    }
}
