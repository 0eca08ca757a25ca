using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// JPEG: SOI, every marker segment's length, a SOFn for the size before the first SOS, the entropy-coded data after each SOS,
/// and an EOI that must be the last two bytes of the file.
/// </summary>
internal static class JpegCheck
{
    private const byte Soi = 0xD8, Eoi = 0xD9, Sos = 0xDA, Tem = 0x01;

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> two = stackalloc byte[2];
        if (!file.TryReadAt(0, two) || two[0] != 0xFF || two[1] != Soi)
        {
            return ImageCheck.Fail("not a JPEG file (no SOI marker)");
        }

        var reader = file.ReaderAt(2);
        Span<byte> frame = stackalloc byte[5];
        int width = 0, height = 0;
        var seenFrame = false;
        var scans = 0;
        while (true)
        {
            var b = reader.ReadByte();
            if (b < 0)
            {
                return ImageCheck.Fail("truncated JPEG: no EOI marker", width, height);
            }

            if (b != 0xFF)
            {
                return ImageCheck.Fail($"corrupt JPEG: expected a marker at byte {reader.Position - 1}", width, height);
            }

            var marker = reader.ReadByte();
            while (marker == 0xFF)
            {
                marker = reader.ReadByte(); // fill bytes
            }

            if (marker < 0)
            {
                return ImageCheck.Fail("truncated JPEG: no EOI marker", width, height);
            }

            if (marker == Eoi)
            {
                if (!seenFrame || scans == 0)
                {
                    return ImageCheck.Fail("corrupt JPEG: EOI before any image data", width, height);
                }

                return reader.Position == file.Length
                    ? ImageCheck.Good(width, height)
                    : ImageCheck.Fail($"corrupt JPEG: {file.Length - reader.Position} bytes after EOI", width, height);
            }

            if (marker is Tem or (>= 0xD0 and <= 0xD7))
            {
                continue; // standalone markers carry no segment
            }

            if (marker is 0 or Soi)
            {
                return ImageCheck.Fail($"corrupt JPEG: unexpected marker FF{marker:X2} at byte {reader.Position - 2}", width, height);
            }

            var segmentStart = reader.Position;
            if (!reader.TryRead(two))
            {
                return ImageCheck.Fail($"truncated JPEG: FF{marker:X2} segment ends early", width, height);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(two);
            if (length < 2)
            {
                return ImageCheck.Fail($"corrupt JPEG: FF{marker:X2} segment length {length} is invalid", width, height);
            }

            if (!file.Contains(segmentStart, length))
            {
                return ImageCheck.Fail($"truncated JPEG: FF{marker:X2} segment ends early", width, height);
            }

            if (IsStartOfFrame(marker) && !seenFrame)
            {
                if (length < 8 || !reader.TryRead(frame))
                {
                    return ImageCheck.Fail("corrupt JPEG: SOF segment is too short");
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(frame[1..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(frame[3..]);
                seenFrame = true;
                if (width == 0 || height == 0)
                {
                    return ImageCheck.Fail($"corrupt JPEG: frame size {width}x{height} is not usable", width, height);
                }

                reader.Skip(length - 2 - frame.Length);
                continue;
            }

            reader.Skip(length - 2);
            if (marker == Sos)
            {
                if (!seenFrame)
                {
                    return ImageCheck.Fail("corrupt JPEG: SOS before any SOF", width, height);
                }

                scans++;
                if (!SkipEntropyCodedData(reader))
                {
                    return ImageCheck.Fail("truncated JPEG: scan data ends early (no EOI marker)", width, height);
                }
            }
        }
    }

    private static bool IsStartOfFrame(int marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    /// <summary>Moves to the FF of the first marker that is neither a stuffed zero nor a restart marker; false at the end of the file.</summary>
    private static bool SkipEntropyCodedData(SequentialReader reader)
    {
        while (true)
        {
            var block = reader.Peek();
            if (block.IsEmpty)
            {
                return false;
            }

            var ff = block.IndexOf((byte)0xFF);
            if (ff < 0)
            {
                reader.Skip(block.Length);
                continue;
            }

            reader.Skip(ff);
            var at = reader.Position;
            reader.Skip(1);
            var next = reader.ReadByte();
            while (next == 0xFF)
            {
                at = reader.Position - 1;
                next = reader.ReadByte();
            }

            if (next < 0)
            {
                return false;
            }

            if (next != 0 && next is not (>= 0xD0 and <= 0xD7))
            {
                // Step back onto the marker so the segment walk reads it.
                reader.Seek(at);
                return true;
            }
        }
    }
}
