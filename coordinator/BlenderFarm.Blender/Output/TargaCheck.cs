using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>TGA (TARGA and TARGA_RAW): the 18-byte header's image type, depth and size, then the pixel data: its length when raw,
/// every RLE packet up to the last pixel when run-length encoded.</summary>
internal static class TargaCheck
{
    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[18];
        if (!file.TryReadAt(0, head))
        {
            return ImageCheck.Fail("not a TGA file (shorter than its header)");
        }

        int idLength = head[0], colorMapType = head[1], imageType = head[2];
        int mapLength = BinaryPrimitives.ReadUInt16LittleEndian(head[5..]), mapEntryBits = head[7];
        int width = BinaryPrimitives.ReadUInt16LittleEndian(head[12..]), height = BinaryPrimitives.ReadUInt16LittleEndian(head[14..]);
        int depth = head[16];
        if (colorMapType > 1 || imageType is not (1 or 2 or 3 or 9 or 10 or 11) || depth is not (8 or 15 or 16 or 24 or 32))
        {
            return ImageCheck.Fail("not a TGA file (invalid header)");
        }

        if (width == 0 || height == 0)
        {
            return ImageCheck.Fail($"corrupt TGA: size {width}x{height} is invalid", width, height);
        }

        var pixelBytes = (depth + 7) / 8;
        var dataStart = 18L + idLength + (colorMapType == 1 ? mapLength * ((mapEntryBits + 7) / 8) : 0);
        var pixels = (long)width * height;
        if (imageType < 9)
        {
            return file.Contains(dataStart, pixels * pixelBytes)
                ? ImageCheck.Good(width, height)
                : ImageCheck.Fail($"truncated TGA: pixel data needs {pixels * pixelBytes} bytes, file has {file.Length - dataStart}", width, height);
        }

        var reader = file.ReaderAt(dataStart);
        for (long done = 0; done < pixels;)
        {
            var packet = reader.ReadByte();
            if (packet < 0)
            {
                return ImageCheck.Fail($"truncated TGA: RLE data ends after {done} of {pixels} pixels", width, height);
            }

            var count = (packet & 0x7F) + 1;
            if (!reader.Skip((packet & 0x80) != 0 ? pixelBytes : (long)count * pixelBytes))
            {
                return ImageCheck.Fail($"truncated TGA: RLE data ends after {done} of {pixels} pixels", width, height);
            }

            done += count;
        }

        return ImageCheck.Good(width, height);
    }
}
