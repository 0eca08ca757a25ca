using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// PNG, checked completely: signature, every chunk's length and CRC-32, IHDR first and valid, IDAT chunks consecutive, IEND last,
/// and the inflated IDAT stream exactly as long as the image (all Adam7 passes when interlaced) with a valid filter byte on every row.
/// </summary>
internal static class PngCheck
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // Adam7 passes: first column, first row, column step, row step.
    private static ReadOnlySpan<byte> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    public static ImageCheck Check(FrameFile file)
    {
        Span<byte> signature = stackalloc byte[8];
        if (!file.TryReadAt(0, signature) || !signature.SequenceEqual(Signature))
        {
            return ImageCheck.Fail("not a PNG file (bad signature)");
        }

        var reader = file.ReaderAt(8);
        Span<byte> head = stackalloc byte[8];
        Span<byte> crcBytes = stackalloc byte[4];
        Span<byte> ihdr = stackalloc byte[13];
        var crc = new Crc32();
        var idat = new List<(long Offset, int Length)>();
        var chunkIndex = 0;
        var seenPalette = false;
        var idatEnded = false;
        var seenEnd = false;

        while (!seenEnd)
        {
            var start = reader.Position;
            if (reader.AtEnd)
            {
                return ImageCheck.Fail(idat.Count == 0 ? "truncated PNG: no IDAT chunk" : "truncated PNG: no IEND chunk");
            }

            if (!reader.TryRead(head))
            {
                return ImageCheck.Fail("truncated PNG: chunk header ends early");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(head);
            var typeBytes = head[4..];
            if (!IsChunkType(typeBytes))
            {
                return ImageCheck.Fail($"corrupt PNG: invalid chunk type at byte {start}");
            }

            var type = Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue)
            {
                return ImageCheck.Fail($"corrupt PNG: {type} chunk length {length} is invalid");
            }

            if (!file.Contains(start + 8, length + 4L))
            {
                return ImageCheck.Fail($"truncated PNG: {type} chunk ends early");
            }

            if (chunkIndex++ == 0 && type != "IHDR")
            {
                return ImageCheck.Fail("corrupt PNG: first chunk is not IHDR");
            }

            crc.Reset();
            crc.Append(typeBytes);
            var dataStart = reader.Position;
            for (long left = length; left > 0;)
            {
                var block = reader.Peek();
                var n = (int)Math.Min(block.Length, left);
                crc.Append(block[..n]);
                reader.Skip(n);
                left -= n;
            }

            reader.TryRead(crcBytes);
            if (crc.GetCurrentHashAsUInt32() != BinaryPrimitives.ReadUInt32BigEndian(crcBytes))
            {
                return ImageCheck.Fail($"corrupt PNG: CRC mismatch in {type} chunk at byte {start}");
            }

            switch (type)
            {
                case "IHDR" when chunkIndex == 1:
                    if (length != 13)
                    {
                        return ImageCheck.Fail("corrupt PNG: IHDR length is not 13");
                    }

                    file.ReadAt(dataStart, ihdr);
                    break;
                case "IHDR":
                    return ImageCheck.Fail("corrupt PNG: second IHDR chunk");
                case "PLTE":
                    seenPalette = true;
                    break;
                case "IDAT" when idatEnded:
                    return ImageCheck.Fail("corrupt PNG: IDAT chunks are not consecutive");
                case "IDAT":
                    idat.Add((dataStart, (int)length));
                    break;
                case "IEND":
                    seenEnd = true;
                    break;
                default:
                    idatEnded = idat.Count > 0;
                    break;
            }
        }

        if (reader.Position != file.Length)
        {
            return ImageCheck.Fail($"corrupt PNG: {file.Length - reader.Position} bytes after IEND");
        }

        var widthValue = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var heightValue = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        if (widthValue is 0 or > int.MaxValue || heightValue is 0 or > int.MaxValue)
        {
            return ImageCheck.Fail($"corrupt PNG: IHDR size {widthValue}x{heightValue} is invalid");
        }

        int width = (int)widthValue, height = (int)heightValue;
        int bitDepth = ihdr[8], colorType = ihdr[9], interlace = ihdr[12];
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        var depthOk = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => bitDepth is 8 or 16,
            _ => false,
        };
        if (!depthOk)
        {
            return ImageCheck.Fail($"corrupt PNG: bit depth {bitDepth} with color type {colorType} is invalid", width, height);
        }

        if (ihdr[10] != 0 || ihdr[11] != 0 || interlace > 1)
        {
            return ImageCheck.Fail("corrupt PNG: unknown compression, filter or interlace method", width, height);
        }

        if (colorType == 3 && !seenPalette)
        {
            return ImageCheck.Fail("corrupt PNG: palette image without PLTE", width, height);
        }

        if (idat.Count == 0)
        {
            return ImageCheck.Fail("corrupt PNG: no IDAT chunk", width, height);
        }

        var problem = CheckImageData(file, idat, Rows(width, height, channels * bitDepth, interlace == 1));
        return problem is null ? ImageCheck.Good(width, height) : ImageCheck.Fail(problem, width, height);
    }

    private static bool IsChunkType(ReadOnlySpan<byte> type)
    {
        foreach (var b in type)
        {
            if (!char.IsAsciiLetter((char)b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The filtered rows the image data holds: per pass, how many rows and each row's length including its filter byte.</summary>
    private static List<(long Rows, long RowBytes)> Rows(int width, int height, int bitsPerPixel, bool interlaced)
    {
        static long RowBytes(long pixels, int bits) => 1 + ((pixels * bits) + 7) / 8;

        if (!interlaced)
        {
            return [(height, RowBytes(width, bitsPerPixel))];
        }

        var passes = new List<(long, long)>(7);
        for (var pass = 0; pass < 7; pass++)
        {
            int x0 = Adam7[pass * 4], y0 = Adam7[(pass * 4) + 1], dx = Adam7[(pass * 4) + 2], dy = Adam7[(pass * 4) + 3];
            long columns = width > x0 ? ((long)width - x0 + dx - 1) / dx : 0;
            long rows = height > y0 ? ((long)height - y0 + dy - 1) / dy : 0;
            if (columns > 0 && rows > 0)
            {
                passes.Add((rows, RowBytes(columns, bitsPerPixel)));
            }
        }

        return passes;
    }

    private static string? CheckImageData(FrameFile file, List<(long Offset, int Length)> idat, List<(long Rows, long RowBytes)> passes)
    {
        long expected = 0;
        foreach (var (rows, rowBytes) in passes)
        {
            expected += rows * rowBytes;
        }

        var buffer = new byte[64 * 1024];
        long total = 0;
        int pass = 0;
        long row = 0, inRow = 0;
        try
        {
            using var inflater = new ZLibStream(new IdatStream(file, idat), CompressionMode.Decompress);
            int read;
            while ((read = inflater.Read(buffer)) > 0)
            {
                if (total + read > expected)
                {
                    return $"corrupt PNG: IDAT data inflates to more than the {expected} bytes the image needs";
                }

                total += read;
                for (var i = 0; i < read;)
                {
                    if (inRow == 0 && buffer[i] > 4)
                    {
                        return $"corrupt PNG: row {row} has invalid filter type {buffer[i]}";
                    }

                    var n = (int)Math.Min(read - i, passes[pass].RowBytes - inRow);
                    i += n;
                    inRow += n;
                    if (inRow == passes[pass].RowBytes)
                    {
                        inRow = 0;
                        if (++row == passes[pass].Rows)
                        {
                            row = 0;
                            pass++;
                        }
                    }
                }
            }
        }
        catch (InvalidDataException)
        {
            return $"corrupt PNG: IDAT data does not inflate (after {total} of {expected} bytes)";
        }

        return total < expected ? $"truncated PNG: IDAT data ends early ({total} of {expected} bytes)" : null;
    }

    /// <summary>The IDAT chunks' data, read straight from the file as one stream.</summary>
    private sealed class IdatStream(FrameFile file, List<(long Offset, int Length)> chunks) : Stream
    {
        private int chunk;
        private int inChunk;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (chunk < chunks.Count && inChunk == chunks[chunk].Length)
            {
                chunk++;
                inChunk = 0;
            }

            if (chunk == chunks.Count || buffer.IsEmpty)
            {
                return 0;
            }

            var (offset, length) = chunks[chunk];
            var read = file.ReadAt(offset + inChunk, buffer[..Math.Min(buffer.Length, length - inChunk)]);
            inChunk += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
