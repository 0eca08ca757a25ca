using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// WebP: the RIFF size against the file length, every chunk lying inside the RIFF, and the size from VP8X (canvas), VP8 (key frame
/// header, whose first partition must fit in the chunk) or VP8L (signature and 14-bit sizes).
/// </summary>
internal static class WebpCheck
{
    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[12];
        if (!file.TryReadAt(0, head) || !head.StartsWith("RIFF"u8) || !head[8..].SequenceEqual("WEBP"u8))
        {
            return ImageCheck.Fail("not a WebP file (no RIFF/WEBP header)");
        }

        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        if (riffEnd != file.Length)
        {
            return riffEnd > file.Length
                ? ImageCheck.Fail($"truncated WebP: RIFF says {riffEnd} bytes, file has {file.Length}")
                : ImageCheck.Fail($"corrupt WebP: {file.Length - riffEnd} bytes after the RIFF data");
        }

        Span<byte> chunk = stackalloc byte[18];
        int width = 0, height = 0;
        var seenImage = false;
        var first = true;
        for (long at = 12; at < riffEnd;)
        {
            if (!file.TryReadAt(at, chunk[..8]))
            {
                return ImageCheck.Fail("truncated WebP: chunk header ends early", width, height);
            }

            var fourCc = chunk[..4];
            var length = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            var dataStart = at + 8;
            if (length > riffEnd - dataStart)
            {
                return ImageCheck.Fail($"truncated WebP: {System.Text.Encoding.ASCII.GetString(fourCc)} chunk ends early", width, height);
            }

            var data = chunk[8..];
            var got = file.ReadAt(dataStart, data[..(int)Math.Min(data.Length, length)]);
            data = data[..got];
            if (fourCc.SequenceEqual("VP8X"u8) && first)
            {
                if (got < 10)
                {
                    return ImageCheck.Fail("corrupt WebP: VP8X chunk is too short");
                }

                width = (int)(ReadUInt24(data[4..]) + 1);
                height = (int)(ReadUInt24(data[7..]) + 1);
            }
            else if (fourCc.SequenceEqual("VP8 "u8))
            {
                if (got < 10 || (data[0] & 1) != 0 || !data[3..6].SequenceEqual((ReadOnlySpan<byte>)[0x9D, 0x01, 0x2A]))
                {
                    return ImageCheck.Fail("corrupt WebP: VP8 chunk has no key frame header", width, height);
                }

                var partition = ReadUInt24(data) >> 5;
                if (10 + partition > length)
                {
                    return ImageCheck.Fail("corrupt WebP: VP8 first partition is longer than its chunk", width, height);
                }

                var (w, h) = (BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF);
                (width, height) = first ? (w, h) : (width, height);
                seenImage = true;
            }
            else if (fourCc.SequenceEqual("VP8L"u8))
            {
                if (got < 5 || data[0] != 0x2F)
                {
                    return ImageCheck.Fail("corrupt WebP: VP8L chunk has no signature", width, height);
                }

                var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
                var (w, h) = ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
                (width, height) = first ? (w, h) : (width, height);
                seenImage = true;
            }
            else if (fourCc.SequenceEqual("ANMF"u8))
            {
                seenImage = true;
            }
            else if (first)
            {
                return ImageCheck.Fail("corrupt WebP: first chunk is not VP8, VP8L or VP8X");
            }

            first = false;
            at = dataStart + length + (length & 1);
        }

        if (!seenImage)
        {
            return ImageCheck.Fail("corrupt WebP: no image data chunk", width, height);
        }

        return width > 0 && height > 0 ? ImageCheck.Good(width, height) : ImageCheck.Fail("corrupt WebP: image size is zero", width, height);
    }

    private static uint ReadUInt24(ReadOnlySpan<byte> b) => (uint)(b[0] | (b[1] << 8) | (b[2] << 16));
}
