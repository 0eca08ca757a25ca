using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>BMP: "BM", the DIB header's size and bit depth, the stated file size, and the pixel array lying inside the file.</summary>
internal static class BmpCheck
{
    private const int BiRgb = 0, BiRle8 = 1, BiRle4 = 2, BiBitfields = 3, BiAlphaBitfields = 6;

    public static ImageCheck Check(FrameFile file)
    {
        var head = file.ReadHead(54).AsSpan();
        if (head.Length < 2 || head[0] != 'B' || head[1] != 'M')
        {
            return ImageCheck.Fail("not a BMP file (no BM signature)");
        }

        if (head.Length < 26)
        {
            return ImageCheck.Fail("truncated BMP: header ends early");
        }

        var statedSize = BinaryPrimitives.ReadUInt32LittleEndian(head[2..]);
        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(head[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(head[14..]);
        long width, height;
        int bits, compression = BiRgb;
        uint imageSize = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(head[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(head[20..]);
            bits = BinaryPrimitives.ReadUInt16LittleEndian(head[24..]);
        }
        else if (dibSize >= 40)
        {
            if (head.Length < 54)
            {
                return ImageCheck.Fail("truncated BMP: header ends early");
            }

            width = BinaryPrimitives.ReadInt32LittleEndian(head[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(head[22..])); // negative: stored top-down
            bits = BinaryPrimitives.ReadUInt16LittleEndian(head[28..]);
            compression = BinaryPrimitives.ReadInt32LittleEndian(head[30..]);
            imageSize = BinaryPrimitives.ReadUInt32LittleEndian(head[34..]);
        }
        else
        {
            return ImageCheck.Fail($"corrupt BMP: unknown DIB header size {dibSize}");
        }

        if (width is < 1 or > int.MaxValue || height is < 1 or > int.MaxValue)
        {
            return ImageCheck.Fail($"corrupt BMP: size {width}x{height} is invalid");
        }

        int w = (int)width, h = (int)height;
        if (bits is not (1 or 4 or 8 or 16 or 24 or 32))
        {
            return ImageCheck.Fail($"corrupt BMP: bit depth {bits} is invalid", w, h);
        }

        if (statedSize > file.Length)
        {
            return ImageCheck.Fail($"truncated BMP: header says {statedSize} bytes, file has {file.Length}", w, h);
        }

        if (pixelOffset < 14 + dibSize || pixelOffset > file.Length)
        {
            return ImageCheck.Fail($"corrupt BMP: pixel data offset {pixelOffset} is invalid", w, h);
        }

        long pixelBytes = compression switch
        {
            BiRgb or BiBitfields or BiAlphaBitfields => ((width * bits) + 31) / 32 * 4 * height,
            BiRle8 or BiRle4 => imageSize,
            _ => -1,
        };
        if (pixelBytes < 0)
        {
            return ImageCheck.Fail($"unsupported BMP compression {compression}", w, h);
        }

        return file.Contains(pixelOffset, pixelBytes)
            ? ImageCheck.Good(w, h)
            : ImageCheck.Fail($"truncated BMP: pixel data needs {pixelBytes} bytes after byte {pixelOffset}, file has {file.Length}", w, h);
    }
}
