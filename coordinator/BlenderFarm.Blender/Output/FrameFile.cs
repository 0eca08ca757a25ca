using Microsoft.Win32.SafeHandles;

namespace BlenderFarm.Blender.Output;

/// <summary>What a format check found: the stated size, and the first problem (null when the file is complete).</summary>
internal readonly record struct ImageCheck(string? Problem, int Width, int Height)
{
    public static ImageCheck Fail(string problem) => new(problem, 0, 0);

    public static ImageCheck Fail(string problem, int width, int height) => new(problem, width, height);

    public static ImageCheck Good(int width, int height) => new(null, width, height);
}

/// <summary>Random-access reads over a frame file; its length is fixed when opened.</summary>
internal sealed class FrameFile : IDisposable
{
    private readonly SafeFileHandle handle;

    private FrameFile(SafeFileHandle handle)
    {
        this.handle = handle;
        Length = RandomAccess.GetLength(handle);
    }

    public long Length { get; }

    public static FrameFile Open(string path) =>
        new(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; fewer only at the end of the file.</summary>
    public int ReadAt(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset >= Length)
        {
            return 0;
        }

        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>True when <paramref name="buffer"/> could be filled completely from <paramref name="offset"/>.</summary>
    public bool TryReadAt(long offset, Span<byte> buffer) =>
        offset >= 0 && offset <= Length - buffer.Length && ReadAt(offset, buffer) == buffer.Length;

    /// <summary>The first <paramref name="max"/> bytes (fewer when the file is shorter).</summary>
    public byte[] ReadHead(int max)
    {
        var buffer = new byte[(int)Math.Min(max, Length)];
        return buffer[..ReadAt(0, buffer)];
    }

    /// <summary>True when <paramref name="count"/> bytes from <paramref name="offset"/> all lie inside the file.</summary>
    public bool Contains(long offset, long count) => offset >= 0 && count >= 0 && offset <= Length && count <= Length - offset;

    public SequentialReader ReaderAt(long offset) => new(this, offset);

    public void Dispose() => handle.Dispose();
}

/// <summary>Buffered forward reading over a <see cref="FrameFile"/>, for formats that must be walked byte by byte.</summary>
internal sealed class SequentialReader(FrameFile file, long start)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private long bufferStart = start;
    private int bufferCount;
    private int index;

    public long Position => bufferStart + index;

    public bool AtEnd => Position >= file.Length;

    /// <summary>The next byte, or -1 at the end of the file.</summary>
    public int ReadByte()
    {
        if (index == bufferCount && !Fill())
        {
            return -1;
        }

        return buffer[index++];
    }

    /// <summary>Fills <paramref name="destination"/>; false (position undefined) when the file ends first.</summary>
    public bool TryRead(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (index == bufferCount && !Fill())
            {
                return false;
            }

            var n = Math.Min(destination.Length, bufferCount - index);
            buffer.AsSpan(index, n).CopyTo(destination);
            index += n;
            destination = destination[n..];
        }

        return true;
    }

    /// <summary>Hands the bytes that follow, a buffer at a time, without copying; an empty span at the end of the file.</summary>
    public ReadOnlySpan<byte> Peek()
    {
        if (index == bufferCount && !Fill())
        {
            return [];
        }

        return buffer.AsSpan(index, bufferCount - index);
    }

    /// <summary>Moves forward; false when that would pass the end of the file.</summary>
    public bool Skip(long count)
    {
        if (count < 0 || count > file.Length - Position)
        {
            return false;
        }

        if (count <= bufferCount - index)
        {
            index += (int)count;
        }
        else
        {
            bufferStart = Position + count;
            bufferCount = index = 0;
        }

        return true;
    }

    /// <summary>Moves to <paramref name="position"/>, backwards or forwards.</summary>
    public void Seek(long position)
    {
        if (position >= bufferStart && position <= bufferStart + bufferCount)
        {
            index = (int)(position - bufferStart);
        }
        else
        {
            bufferStart = position;
            bufferCount = index = 0;
        }
    }

    private bool Fill()
    {
        bufferStart += bufferCount;
        index = 0;
        bufferCount = file.ReadAt(bufferStart, buffer);
        return bufferCount > 0;
    }
}
