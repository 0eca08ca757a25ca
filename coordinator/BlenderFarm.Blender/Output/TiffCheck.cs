using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// TIFF and BigTIFF, either byte order: the first IFD's entries and their out-of-line values lying inside the file,
/// ImageWidth/ImageLength for the size, and every strip (or tile) offset plus byte count lying inside the file.
/// </summary>
internal static class TiffCheck
{
    private const int ImageWidth = 256, ImageLength = 257, StripOffsets = 273, StripByteCounts = 279, TileOffsets = 324, TileByteCounts = 325;

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[16];
        var read = file.ReadAt(0, head);
        var bigEndian = head.StartsWith("MM"u8);
        if (read < 8 || !(bigEndian || head.StartsWith("II"u8)))
        {
            return ImageCheck.Fail("not a TIFF file (bad byte order mark)");
        }

        var tiff = new Reader(bigEndian);
        var version = tiff.U16(head[2..]);
        var big = version == 43;
        if (version != 42 && !big)
        {
            return ImageCheck.Fail("not a TIFF file (bad version number)");
        }

        if (big && (read < 16 || tiff.U16(head[4..]) != 8))
        {
            return ImageCheck.Fail("corrupt TIFF: bad BigTIFF header");
        }

        var ifd = big ? tiff.U64(head[8..]) : tiff.U32(head[4..]);
        int countSize = big ? 8 : 2, entrySize = big ? 20 : 12, inlineSize = big ? 8 : 4;
        Span<byte> countBytes = stackalloc byte[8];
        if (ifd < 8 || !file.TryReadAt((long)Math.Min(ifd, long.MaxValue), countBytes[..countSize]))
        {
            return ifd >= (ulong)file.Length
                ? ImageCheck.Fail("truncated TIFF: first IFD lies beyond the end of the file")
                : ImageCheck.Fail($"corrupt TIFF: first IFD offset {ifd} is invalid");
        }

        var entries = big ? tiff.U64(countBytes) : tiff.U16(countBytes);
        if (entries == 0 || entries > (ulong)(file.Length / entrySize) || !file.Contains((long)ifd + countSize, (long)entries * entrySize))
        {
            return ImageCheck.Fail("truncated TIFF: first IFD ends early");
        }

        var table = new byte[(int)entries * entrySize];
        file.ReadAt((long)ifd + countSize, table);
        ulong width = 0, height = 0;
        ulong[]? offsets = null, counts = null;
        var tiled = false;
        for (var i = 0; i < (int)entries; i++)
        {
            var entry = table.AsSpan(i * entrySize, entrySize);
            var tag = tiff.U16(entry);
            var type = tiff.U16(entry[2..]);
            var count = big ? tiff.U64(entry[4..]) : tiff.U32(entry[4..]);
            var value = entry[(big ? 12 : 8)..];
            int typeSize = type switch
            {
                1 or 2 or 6 or 7 => 1,
                3 or 8 => 2,
                4 or 9 or 11 or 13 => 4,
                5 or 10 or 12 or 16 or 17 or 18 => 8,
                _ => 0,
            };
            if (typeSize == 0)
            {
                continue; // unknown types are to be skipped
            }

            if (count > (ulong)file.Length)
            {
                return ImageCheck.Fail($"truncated TIFF: tag {tag}'s value lies beyond the end of the file");
            }

            var byteCount = (long)count * typeSize;
            var data = byteCount <= inlineSize ? value[..(int)byteCount].ToArray() : null;
            if (data is null)
            {
                var at = big ? tiff.U64(value) : tiff.U32(value);
                if (!file.Contains((long)Math.Min(at, long.MaxValue), byteCount))
                {
                    return ImageCheck.Fail($"truncated TIFF: tag {tag}'s value lies beyond the end of the file");
                }

                if (tag is not (StripOffsets or StripByteCounts or TileOffsets or TileByteCounts))
                {
                    continue;
                }

                data = new byte[byteCount];
                file.ReadAt((long)at, data);
            }

            switch (tag)
            {
                case ImageWidth:
                    width = tiff.First(data, type);
                    break;
                case ImageLength:
                    height = tiff.First(data, type);
                    break;
                case StripOffsets or TileOffsets:
                    offsets = tiff.All(data, type);
                    tiled |= tag == TileOffsets;
                    break;
                case StripByteCounts or TileByteCounts:
                    counts = tiff.All(data, type);
                    break;
            }
        }

        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
        {
            return ImageCheck.Fail($"corrupt TIFF: size {width}x{height} is missing or invalid");
        }

        int w = (int)width, h = (int)height;
        var what = tiled ? "tile" : "strip";
        if (offsets is null || counts is null || offsets.Length == 0 || offsets.Length != counts.Length)
        {
            return ImageCheck.Fail($"corrupt TIFF: {what} offsets and byte counts are missing or disagree", w, h);
        }

        for (var i = 0; i < offsets.Length; i++)
        {
            if (offsets[i] > (ulong)file.Length || counts[i] > (ulong)file.Length - offsets[i])
            {
                return ImageCheck.Fail($"truncated TIFF: {what} {i} of {offsets.Length} lies beyond the end of the file", w, h);
            }
        }

        return ImageCheck.Good(w, h);
    }

    private readonly struct Reader(bool bigEndian)
    {
        public ushort U16(ReadOnlySpan<byte> b) => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

        public uint U32(ReadOnlySpan<byte> b) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

        public ulong U64(ReadOnlySpan<byte> b) => bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);

        /// <summary>An unsigned integer value (SHORT, LONG, LONG8, IFD types); 0 for anything else.</summary>
        public ulong First(byte[] data, int type) => data.Length == 0 ? 0 : Value(data, type, 0);

        public ulong[] All(byte[] data, int type)
        {
            var size = type switch { 3 => 2, 4 or 13 => 4, 16 or 18 => 8, _ => 0 };
            if (size == 0)
            {
                return [];
            }

            var values = new ulong[data.Length / size];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Value(data, type, i);
            }

            return values;
        }

        private ulong Value(byte[] data, int type, int index) => type switch
        {
            1 => data[index],
            3 => U16(data.AsSpan(index * 2)),
            4 or 13 => U32(data.AsSpan(index * 4)),
            16 or 18 => U64(data.AsSpan(index * 8)),
            _ => 0,
        };
    }
}
