using System.Buffers.Binary;
using System.Text;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// OpenEXR, single- and multi-part, scanline, tiled and deep: magic and version, every header attribute, the first part's dataWindow for
/// the size, and every entry of every part's offset table, each of whose chunks (header and data) must lie inside the file.
/// </summary>
internal static partial class ExrCheck
{
    private const uint Magic = 20000630; // 76 2f 31 01
    private const uint TiledFlag = 0x200, LongNamesFlag = 0x400, NonImageFlag = 0x800, MultipartFlag = 0x1000;

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> head = stackalloc byte[8];
        if (!file.TryReadAt(0, head) || BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic)
        {
            return ImageCheck.Fail("not an OpenEXR file (bad magic number)");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(head[4..]);
        if ((version & 0xFF) != 2)
        {
            return ImageCheck.Fail($"unsupported OpenEXR version {version & 0xFF}");
        }

        bool multipart = (version & MultipartFlag) != 0, tiled = (version & TiledFlag) != 0;
        if (multipart && tiled)
        {
            return ImageCheck.Fail("corrupt OpenEXR: both tiled and multi-part flags are set");
        }

        var maxName = (version & LongNamesFlag) != 0 ? 255 : 31;
        var reader = file.ReaderAt(8);
        var parts = new List<Part>();
        while (true)
        {
            if (multipart && parts.Count > 0)
            {
                var next = reader.ReadByte();
                if (next == 0)
                {
                    break; // the empty header that ends the list
                }

                if (next < 0)
                {
                    return ImageCheck.Fail("truncated OpenEXR: header ends early");
                }

                reader.Seek(reader.Position - 1);
            }

            var (part, problem) = ReadHeader(reader, maxName, file.Length);
            if (problem is not null)
            {
                return ImageCheck.Fail(problem);
            }

            parts.Add(part);
            if (!multipart)
            {
                break;
            }
        }

        var first = parts[0].Window;
        var width = first.XMax - (long)first.XMin + 1;
        var height = first.YMax - (long)first.YMin + 1;
        if (width is < 1 or > int.MaxValue || height is < 1 or > int.MaxValue)
        {
            return ImageCheck.Fail($"corrupt OpenEXR: dataWindow ({first.XMin} {first.YMin})-({first.XMax} {first.YMax}) is invalid");
        }

        var tablesProblem = CheckChunks(file, reader, parts, multipart, tiled, (version & NonImageFlag) != 0);
        return tablesProblem is null
            ? ImageCheck.Good((int)width, (int)height)
            : ImageCheck.Fail(tablesProblem, (int)width, (int)height);
    }

    private static (Part Part, string? Problem) ReadHeader(SequentialReader reader, int maxName, long fileLength)
    {
        var part = new Part();
        bool seenWindow = false, seenCompression = false;
        Span<byte> size = stackalloc byte[4];
        while (true)
        {
            var name = ReadString(reader, maxName);
            if (name is null)
            {
                return (part, "truncated OpenEXR: header ends early");
            }

            if (name.Length == 0)
            {
                break;
            }

            var type = ReadString(reader, maxName);
            if (type is null || !reader.TryRead(size))
            {
                return (part, "truncated OpenEXR: header ends early");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(size);
            if (length < 0)
            {
                return (part, $"corrupt OpenEXR: attribute '{name}' has negative size");
            }

            if (length > fileLength - reader.Position)
            {
                return (part, "truncated OpenEXR: header ends early");
            }

            var value = length <= 64 ? new byte[length] : [];
            if (value.Length == length)
            {
                reader.TryRead(value);
            }
            else
            {
                reader.Skip(length);
            }

            switch (name)
            {
                case "dataWindow" when type == "box2i" && length == 16:
                    part.Window = new Box(
                        BinaryPrimitives.ReadInt32LittleEndian(value),
                        BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(4)),
                        BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(8)),
                        BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(12)));
                    seenWindow = true;
                    break;
                case "compression" when type == "compression" && length == 1:
                    part.Compression = value[0];
                    seenCompression = true;
                    break;
                case "tiles" when type == "tiledesc" && length == 9:
                    part.Tiles = new TileDescription(
                        BinaryPrimitives.ReadUInt32LittleEndian(value),
                        BinaryPrimitives.ReadUInt32LittleEndian(value.AsSpan(4)),
                        value[8]);
                    break;
                case "chunkCount" when type == "int" && length == 4:
                    part.ChunkCount = BinaryPrimitives.ReadInt32LittleEndian(value);
                    break;
                case "type" when type == "string":
                    part.Type = Encoding.ASCII.GetString(value);
                    break;
            }
        }

        return !seenWindow ? (part, "corrupt OpenEXR: header has no dataWindow")
            : !seenCompression ? (part, "corrupt OpenEXR: header has no compression")
            : (part, null);
    }

    /// <summary>A null-terminated string of at most <paramref name="max"/> characters; null at the end of the file or when too long.</summary>
    private static string? ReadString(SequentialReader reader, int max)
    {
        Span<byte> text = stackalloc byte[256];
        for (var n = 0; n <= max; n++)
        {
            var b = reader.ReadByte();
            if (b <= 0)
            {
                return b < 0 ? null : Encoding.ASCII.GetString(text[..n]);
            }

            text[n] = (byte)b;
        }

        return null;
    }

    private enum ChunkKind
    {
        Unknown,
        Scanline,
        Tiled,
        DeepScanline,
        DeepTiled,
    }

    private readonly record struct Box(int XMin, int YMin, int XMax, int YMax);

    private readonly record struct TileDescription(uint XSize, uint YSize, byte Mode);

    private sealed class Part
    {
        public Box Window { get; set; }

        public int Compression { get; set; }

        public TileDescription? Tiles { get; set; }

        public int? ChunkCount { get; set; }

        public string? Type { get; set; }

        public ChunkKind Kind { get; set; }
    }
}
