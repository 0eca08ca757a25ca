using System.Buffers.Binary;

namespace BlenderFarm.Blender.Output;

/// <summary>DPX (either byte order): magic, the stated file size against the real one, the first image element's size,
/// and, for unencoded data of a known layout, that the element's pixel data lies inside the file.</summary>
internal static class DpxCheck
{
    private const int HeaderLength = 2048;

    public static ImageCheck Check(FrameFile file)
    {
        var head = file.ReadHead(816);
        if (!(head.AsSpan().StartsWith("SDPX"u8) || head.AsSpan().StartsWith("XPDS"u8)))
        {
            return ImageCheck.Fail("not a DPX file (bad magic number)");
        }

        if (head.Length < 816)
        {
            return ImageCheck.Fail("truncated DPX: header ends early");
        }

        var bigEndian = head[0] == 'S';
        uint U32(int at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(at));
        ushort U16(int at) => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(at));

        var statedSize = U32(16);
        uint width = U32(772), height = U32(776);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue || U16(770) is 0 or > 8)
        {
            return ImageCheck.Fail($"corrupt DPX: size {width}x{height} or element count is invalid");
        }

        int w = (int)width, h = (int)height;
        if (statedSize > file.Length)
        {
            return ImageCheck.Fail($"truncated DPX: header says {statedSize} bytes, file has {file.Length}", w, h);
        }

        int descriptor = head[800], bits = head[803], packing = U16(804), encoding = U16(806);
        var dataOffset = U32(808) is 0 or uint.MaxValue ? U32(4) : U32(808);
        var eolPadding = U32(812) == uint.MaxValue ? 0L : U32(812);
        if (dataOffset < HeaderLength / 2 || dataOffset > file.Length)
        {
            return ImageCheck.Fail($"corrupt DPX: image data offset {dataOffset} is invalid", w, h);
        }

        var components = descriptor switch
        {
            1 or 2 or 3 or 4 or 6 or 8 => 1,
            50 => 3,
            51 or 52 => 4,
            _ => 0,
        };
        var imageBytes = encoding == 0 && components > 0 ? DataBits.ImageBytes((long)width * height * components, bits, packing) : -1;
        if (imageBytes < 0)
        {
            return ImageCheck.Good(w, h); // a layout this check does not model: the stated file size is all there is to go on
        }

        var needed = imageBytes + (eolPadding * height);
        return file.Contains(dataOffset, needed)
            ? ImageCheck.Good(w, h)
            : ImageCheck.Fail($"truncated DPX: image data needs {needed} bytes after byte {dataOffset}, file has {file.Length}", w, h);
    }
}

/// <summary>How many bytes DPX's (and Cineon's) pixel data takes at least.</summary>
internal static class DataBits
{
    /// <summary>
    /// The fewest bytes <paramref name="samples"/> samples of <paramref name="bits"/> bits can take: packing 0 packs the bits tightly,
    /// 1 and 2 fill 32-bit words (three 10-bit samples a word, 12-bit samples in 16 bits). Line padding is left out, as writers differ
    /// on it, so that a valid file is never called short. -1 for a layout not modelled.
    /// </summary>
    public static long ImageBytes(long samples, int bits, int packing) => (bits, packing) switch
    {
        (1 or 8 or 10 or 12 or 16 or 32 or 64, 0) => ((samples * bits) + 7) / 8,
        (8, 1 or 2) => samples,
        (10, 1 or 2) => (samples + 2) / 3 * 4,
        (12, 1 or 2) or (16, _) => samples * 2,
        (32, _) => samples * 4,
        (64, _) => samples * 8,
        _ => -1,
    };
}
