using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>OpenEXR's offset tables: how many chunks each part has, and every chunk lying inside the file.</summary>
internal static partial class ExrCheck
{
    private static string? CheckChunks(FrameFile file, SequentialReader reader, List<Part> parts, bool multipart, bool tiled, bool deep)
    {
        var counts = new long[parts.Count];
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            part.Kind = part.Type switch
            {
                "scanlineimage" => ChunkKind.Scanline,
                "tiledimage" => ChunkKind.Tiled,
                "deepscanline" => ChunkKind.DeepScanline,
                "deeptile" => ChunkKind.DeepTiled,
                null when !multipart && !deep => tiled ? ChunkKind.Tiled : ChunkKind.Scanline,
                _ => ChunkKind.Unknown,
            };
            if (part.Kind == ChunkKind.Unknown)
            {
                return $"corrupt OpenEXR: part {p} has unknown type '{part.Type}'";
            }

            var count = part.ChunkCount ?? ComputeChunkCount(part);
            if (count < 0)
            {
                return $"corrupt OpenEXR: cannot tell part {p}'s chunk count (compression {part.Compression}, tiles {part.Tiles})";
            }

            counts[p] = count;
        }

        var tablesStart = reader.Position;
        long tablesLength = 0;
        foreach (var count in counts)
        {
            if (count > (file.Length - tablesStart - tablesLength) / 8)
            {
                return "truncated OpenEXR: offset table ends early";
            }

            tablesLength += count * 8;
        }

        var tablesEnd = tablesStart + tablesLength;
        Span<byte> entry = stackalloc byte[8];
        Span<byte> chunk = stackalloc byte[40];
        for (var p = 0; p < parts.Count; p++)
        {
            var part = parts[p];
            var prefix = multipart ? 4 : 0;
            var headerLength = prefix + part.Kind switch
            {
                ChunkKind.Scanline => 8,
                ChunkKind.Tiled => 20,
                ChunkKind.DeepScanline => 28,
                _ => 40,
            };
            for (long c = 0; c < counts[p]; c++)
            {
                reader.TryRead(entry);
                var offset = BinaryPrimitives.ReadInt64LittleEndian(entry);
                var where = parts.Count > 1 ? $"chunk {c} of part {p}" : $"chunk {c}";
                if (offset == 0)
                {
                    return $"incomplete OpenEXR: {where} was never written";
                }

                if (offset < tablesEnd)
                {
                    return $"corrupt OpenEXR: {where} has invalid offset {offset}";
                }

                if (!file.Contains(offset, headerLength))
                {
                    return $"truncated OpenEXR: {where} ends beyond the end of the file";
                }

                var header = chunk[..headerLength];
                file.ReadAt(offset, header);
                if (multipart && BinaryPrimitives.ReadInt32LittleEndian(header) != p)
                {
                    return $"corrupt OpenEXR: {where} belongs to part {BinaryPrimitives.ReadInt32LittleEndian(header)}";
                }

                var fields = header[prefix..];
                long dataLength = part.Kind switch
                {
                    ChunkKind.Scanline => BinaryPrimitives.ReadInt32LittleEndian(fields[4..]),
                    ChunkKind.Tiled => BinaryPrimitives.ReadInt32LittleEndian(fields[16..]),
                    ChunkKind.DeepScanline => SumSizes(fields[4..20]),
                    _ => SumSizes(fields[16..32]),
                };
                if (part.Kind is ChunkKind.Scanline or ChunkKind.DeepScanline)
                {
                    var y = BinaryPrimitives.ReadInt32LittleEndian(fields);
                    if (y < part.Window.YMin || y > part.Window.YMax)
                    {
                        return $"corrupt OpenEXR: {where} is for line {y}, outside the dataWindow";
                    }
                }

                if (dataLength < 0)
                {
                    return $"corrupt OpenEXR: {where} has negative data size";
                }

                if (!file.Contains(offset + headerLength, dataLength))
                {
                    return $"truncated OpenEXR: {where} ends beyond the end of the file";
                }
            }
        }

        return null;
    }

    /// <summary>A deep chunk's packed offset table size plus packed sample data size (the unpacked size that follows is not stored).</summary>
    private static long SumSizes(ReadOnlySpan<byte> sizes)
    {
        var table = BinaryPrimitives.ReadInt64LittleEndian(sizes);
        var samples = BinaryPrimitives.ReadInt64LittleEndian(sizes[8..]);
        return table < 0 || samples < 0 || table > long.MaxValue - samples ? -1 : table + samples;
    }

    /// <summary>How many chunks a part without a chunkCount attribute has, or -1 when its header does not say.</summary>
    private static long ComputeChunkCount(Part part)
    {
        var width = part.Window.XMax - (long)part.Window.XMin + 1;
        var height = part.Window.YMax - (long)part.Window.YMin + 1;
        if (width < 1 || height < 1)
        {
            return -1;
        }

        if (part.Kind is ChunkKind.Scanline or ChunkKind.DeepScanline)
        {
            long lines = part.Compression switch
            {
                0 or 1 or 2 => 1, // NONE, RLE, ZIPS
                3 or 5 => 16, // ZIP, PXR24
                4 or 6 or 7 or 8 => 32, // PIZ, B44, B44A, DWAA
                9 => 256, // DWAB
                _ => -1,
            };
            return lines < 0 ? -1 : (height + lines - 1) / lines;
        }

        if (part.Tiles is not { XSize: > 0, YSize: > 0 } tiles)
        {
            return -1;
        }

        var roundUp = (tiles.Mode >> 4) == 1;
        long TileCount(long size, int level, long tileSize)
        {
            var levelSize = Math.Max(roundUp ? (size + (1L << level) - 1) >> level : size >> level, 1);
            return (levelSize + tileSize - 1) / tileSize;
        }

        int Levels(long size)
        {
            var n = 0;
            while (roundUp ? (1L << n) < size : (size >> (n + 1)) > 0)
            {
                n++;
            }

            return n + 1;
        }

        // Garbage sizes can overflow a long; any count this large cannot have its offset table in a real file anyway.
        Int128 total = 0;
        switch (tiles.Mode & 0x0F)
        {
            case 0: // ONE_LEVEL
                total = (Int128)TileCount(width, 0, tiles.XSize) * TileCount(height, 0, tiles.YSize);
                break;
            case 1: // MIPMAP_LEVELS
                for (int l = 0, levels = Levels(Math.Max(width, height)); l < levels; l++)
                {
                    total += (Int128)TileCount(width, l, tiles.XSize) * TileCount(height, l, tiles.YSize);
                }

                break;
            case 2: // RIPMAP_LEVELS
                for (int lx = 0, levelsX = Levels(width); lx < levelsX; lx++)
                {
                    for (int ly = 0, levelsY = Levels(height); ly < levelsY; ly++)
                    {
                        total += (Int128)TileCount(width, lx, tiles.XSize) * TileCount(height, ly, tiles.YSize);
                    }
                }

                break;
            default:
                return -1;
        }

        return (long)Int128.Min(total, long.MaxValue);
    }
}
