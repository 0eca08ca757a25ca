using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>Cineon (either byte order): magic, the stated file size against the real one, the first channel's size,
/// and, for 8- and 10-bit pixel-interleaved data, that the pixel data lies inside the file.</summary>
internal static class CineonCheck
{
    public static ImageCheck Check(FrameFile file)
    {
        var head = file.ReadHead(692);
        var magic = head.Length < 4 ? 0 : BinaryPrimitives.ReadUInt32BigEndian(head);
        if (magic is not (0x802A5FD7 or 0xD75F2A80))
        {
            return ImageCheck.Fail("not a Cineon file (bad magic number)");
        }

        if (head.Length < 692)
        {
            return ImageCheck.Fail("truncated Cineon: header ends early");
        }

        var bigEndian = magic == 0x802A5FD7;
        uint U32(int at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(at));

        var dataOffset = U32(4);
        var statedSize = U32(20);
        int channels = head[193], bits = head[198];
        uint width = U32(200), height = U32(204);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue || channels is 0 or > 8)
        {
            return ImageCheck.Fail($"corrupt Cineon: size {width}x{height} or channel count is invalid");
        }

        int w = (int)width, h = (int)height;
        if (statedSize > file.Length)
        {
            return ImageCheck.Fail($"truncated Cineon: header says {statedSize} bytes, file has {file.Length}", w, h);
        }

        if (dataOffset < 692 || dataOffset > file.Length)
        {
            return ImageCheck.Fail($"corrupt Cineon: image data offset {dataOffset} is invalid", w, h);
        }

        int interleave = head[680], packing = head[681];
        var eolPadding = U32(684) == uint.MaxValue ? 0L : U32(684);
        // Packing 5/6: 32-bit words holding as many samples as fit (three 10-bit ones).
        var imageBytes = interleave == 0 && packing is 5 or 6 && bits is 8 or 10 ? DataBits.ImageBytes((long)width * height * channels, bits, 1) : -1;
        if (imageBytes < 0)
        {
            return ImageCheck.Good(w, h); // a layout this check does not model: the stated file size is all there is to go on
        }

        var needed = imageBytes + (eolPadding * height);
        return file.Contains(dataOffset, needed)
            ? ImageCheck.Good(w, h)
            : ImageCheck.Fail($"truncated Cineon: image data needs {needed} bytes after byte {dataOffset}, file has {file.Length}", w, h);
    }
}
