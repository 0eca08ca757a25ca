using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// JPEG 2000, as a JP2 file (signature box, every top-level box lying inside the file, ihdr, one jp2c) or a bare codestream (.j2c):
/// SOC, SIZ for the size, every main-header marker segment, every tile-part's length from its SOT, and EOC at the codestream's end.
/// </summary>
internal static class Jpeg2000Check
{
    private static ReadOnlySpan<byte> Jp2Signature => [0, 0, 0, 12, (byte)'j', (byte)'P', (byte)' ', (byte)' ', 0x0D, 0x0A, 0x87, 0x0A];

    private const int Soc = 0xFF4F, Siz = 0xFF51, Sot = 0xFF90, Eoc = 0xFFD9;

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[12];
        var read = file.ReadAt(0, head);
        if (read >= 2 && BinaryPrimitives.ReadUInt16BigEndian(head) == Soc)
        {
            return CheckCodestream(file, 0, file.Length);
        }

        if (read < 12 || !head.SequenceEqual(Jp2Signature))
        {
            return ImageCheck.Fail("not a JPEG 2000 file (no JP2 signature box or SOC marker)");
        }

        Span<byte> box = stackalloc byte[16];
        Span<byte> ihdr = stackalloc byte[8];
        int headerWidth = 0, headerHeight = 0;
        ImageCheck? codestream = null;
        for (long at = 12; at < file.Length;)
        {
            if (!file.TryReadAt(at, box[..8]))
            {
                return ImageCheck.Fail($"corrupt JPEG 2000: {file.Length - at} stray bytes at the end");
            }

            long length = BinaryPrimitives.ReadUInt32BigEndian(box);
            var type = box[4..8];
            var headerLength = 8;
            if (length == 1)
            {
                if (!file.TryReadAt(at + 8, box[8..16]))
                {
                    return ImageCheck.Fail("truncated JPEG 2000: box header ends early");
                }

                length = (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(box[8..]), long.MaxValue);
                headerLength = 16;
            }
            else if (length == 0)
            {
                length = file.Length - at; // the last box runs to the end of the file
            }

            if (length < headerLength)
            {
                return ImageCheck.Fail($"corrupt JPEG 2000: box at byte {at} has invalid length {length}");
            }

            if (!file.Contains(at, length))
            {
                return ImageCheck.Fail($"truncated JPEG 2000: {System.Text.Encoding.ASCII.GetString(type)} box ends beyond the end of the file");
            }

            if (type.SequenceEqual("jp2h"u8))
            {
                // ihdr is the first box inside jp2h: its content starts with HEIGHT then WIDTH.
                if (!file.TryReadAt(at + headerLength, box[..8]) || !box[4..8].SequenceEqual("ihdr"u8)
                    || !file.TryReadAt(at + headerLength + 8, ihdr))
                {
                    return ImageCheck.Fail("corrupt JPEG 2000: jp2h box does not start with ihdr");
                }

                headerHeight = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(ihdr), int.MaxValue);
                headerWidth = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]), int.MaxValue);
            }
            else if (type.SequenceEqual("jp2c"u8) && codestream is null)
            {
                codestream = CheckCodestream(file, at + headerLength, at + length);
            }

            at += length;
        }

        if (codestream is not { } result)
        {
            return ImageCheck.Fail("truncated JPEG 2000: no codestream (jp2c) box", headerWidth, headerHeight);
        }

        if (result.Problem is null && headerWidth > 0 && (result.Width, result.Height) != (headerWidth, headerHeight))
        {
            return ImageCheck.Fail(
                $"corrupt JPEG 2000: ihdr says {headerWidth}x{headerHeight}, codestream says {result.Width}x{result.Height}", result.Width, result.Height);
        }

        return result;
    }

    private static ImageCheck CheckCodestream(FrameFile file, long start, long end)
    {
        Span<byte> siz = stackalloc byte[4 + 38];
        if (!file.TryReadAt(start, siz) || BinaryPrimitives.ReadUInt16BigEndian(siz) != Soc || BinaryPrimitives.ReadUInt16BigEndian(siz[2..]) != Siz)
        {
            return ImageCheck.Fail("corrupt JPEG 2000: codestream does not start with SOC and SIZ");
        }

        var xSize = BinaryPrimitives.ReadUInt32BigEndian(siz[8..]);
        var ySize = BinaryPrimitives.ReadUInt32BigEndian(siz[12..]);
        var xOffset = BinaryPrimitives.ReadUInt32BigEndian(siz[16..]);
        var yOffset = BinaryPrimitives.ReadUInt32BigEndian(siz[20..]);
        if (xOffset >= xSize || yOffset >= ySize || xSize - xOffset > int.MaxValue || ySize - yOffset > int.MaxValue)
        {
            return ImageCheck.Fail("corrupt JPEG 2000: SIZ size is invalid");
        }

        int width = (int)(xSize - xOffset), height = (int)(ySize - yOffset);
        Span<byte> marker = stackalloc byte[12];
        var inTiles = false;
        for (var at = start + 2; ;)
        {
            if (at > end - 2 || !file.TryReadAt(at, marker[..2]))
            {
                return ImageCheck.Fail("truncated JPEG 2000: codestream ends without EOC", width, height);
            }

            var code = BinaryPrimitives.ReadUInt16BigEndian(marker);
            if (code == Eoc)
            {
                return at + 2 == end
                    ? (inTiles ? ImageCheck.Good(width, height) : ImageCheck.Fail("corrupt JPEG 2000: codestream has no tiles", width, height))
                    : ImageCheck.Fail($"corrupt JPEG 2000: {end - at - 2} bytes after EOC", width, height);
            }

            if ((code & 0xFF00) != 0xFF00 || (inTiles && code != Sot))
            {
                return ImageCheck.Fail($"corrupt JPEG 2000: expected a marker at byte {at}", width, height);
            }

            if (!file.TryReadAt(at + 2, marker[2..4]))
            {
                return ImageCheck.Fail("truncated JPEG 2000: codestream ends without EOC", width, height);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(marker[2..]);
            if (code != Sot)
            {
                at += 2 + length;
                continue;
            }

            // SOT: Lsot, Isot, Psot (this tile-part's length from the SOT marker; 0 = up to EOC), TPsot, TNsot.
            if (length != 10)
            {
                return ImageCheck.Fail($"corrupt JPEG 2000: SOT at byte {at} has invalid length {length}", width, height);
            }

            if (!file.TryReadAt(at, marker))
            {
                return ImageCheck.Fail("truncated JPEG 2000: tile-part header ends early", width, height);
            }

            inTiles = true;
            var tilePart = BinaryPrimitives.ReadUInt32BigEndian(marker[6..]);
            if (tilePart == 0)
            {
                at = end - 2;
                continue;
            }

            if (tilePart < 14)
            {
                return ImageCheck.Fail($"corrupt JPEG 2000: tile-part at byte {at} has invalid length {tilePart}", width, height);
            }

            if (tilePart > end - at)
            {
                return ImageCheck.Fail($"truncated JPEG 2000: tile-part at byte {at} ends beyond the codestream", width, height);
            }

            at += tilePart;
        }
    }
}
