using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>IRIS (SGI): magic, storage and size from the 512-byte header, then the verbatim pixel data's length,
/// or every RLE row's start and length from the offset tables lying inside the file.</summary>
internal static class IrisCheck
{
    private const int HeaderLength = 512;

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[12];
        if (!file.TryReadAt(0, head) || BinaryPrimitives.ReadUInt16BigEndian(head) != 474)
        {
            return ImageCheck.Fail("not an IRIS file (bad magic number)");
        }

        int storage = head[2], bytesPerChannel = head[3], dimension = BinaryPrimitives.ReadUInt16BigEndian(head[4..]);
        int width = BinaryPrimitives.ReadUInt16BigEndian(head[6..]);
        int height = dimension == 1 ? 1 : BinaryPrimitives.ReadUInt16BigEndian(head[8..]);
        int channels = dimension == 3 ? BinaryPrimitives.ReadUInt16BigEndian(head[10..]) : 1;
        if (storage > 1 || bytesPerChannel is not (1 or 2) || dimension is < 1 or > 3)
        {
            return ImageCheck.Fail("corrupt IRIS: invalid storage, bytes per channel or dimension");
        }

        if (width == 0 || height == 0 || channels == 0)
        {
            return ImageCheck.Fail($"corrupt IRIS: size {width}x{height}x{channels} is invalid", width, height);
        }

        if (file.Length < HeaderLength)
        {
            return ImageCheck.Fail("truncated IRIS: header ends early", width, height);
        }

        var rows = (long)height * channels;
        if (storage == 0)
        {
            var needed = rows * width * bytesPerChannel;
            return file.Contains(HeaderLength, needed)
                ? ImageCheck.Good(width, height)
                : ImageCheck.Fail($"truncated IRIS: pixel data needs {needed} bytes, file has {file.Length - HeaderLength}", width, height);
        }

        var tablesEnd = HeaderLength + (rows * 8);
        if (!file.Contains(HeaderLength, rows * 8))
        {
            return ImageCheck.Fail("truncated IRIS: RLE offset tables end early", width, height);
        }

        var tables = new byte[rows * 8];
        file.ReadAt(HeaderLength, tables);
        for (var row = 0; row < rows; row++)
        {
            var start = BinaryPrimitives.ReadUInt32BigEndian(tables.AsSpan(row * 4));
            var length = BinaryPrimitives.ReadUInt32BigEndian(tables.AsSpan((int)((rows + row) * 4)));
            if (start < tablesEnd || length == 0)
            {
                return ImageCheck.Fail($"corrupt IRIS: RLE row {row} has invalid offset {start} or length {length}", width, height);
            }

            if (!file.Contains(start, length))
            {
                return ImageCheck.Fail($"truncated IRIS: RLE row {row} ends beyond the end of the file", width, height);
            }
        }

        return ImageCheck.Good(width, height);
    }
}
