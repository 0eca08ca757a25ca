namespace BlenderFarm.Blender.Output;

/// <summary>The verdict on one rendered frame file.</summary>
/// <param name="Ok">True when the file is a complete image of the expected size.</param>
/// <param name="Problem">Why it is not, as a short sentence fragment; null when <paramref name="Ok"/>.</param>
/// <param name="Bytes">The file's length (0 when it does not exist).</param>
/// <param name="Width">The width the file states, or 0 when it could not be read.</param>
/// <param name="Height">The height the file states, or 0 when it could not be read.</param>
public sealed record FrameCheck(bool Ok, string? Problem, long Bytes, int Width, int Height);

/// <summary>
/// Decides whether a frame file that Blender wrote is a complete, decodable image of the expected size.
/// A frame counts as done only after this passes. Never throws on bad file content: every defect becomes a <see cref="FrameCheck.Problem"/>.
/// </summary>
/// <remarks>
/// Depth per format: PNG is checked completely (every chunk's CRC, and the IDAT stream is inflated and its size and row filters checked).
/// JPEG walks every marker segment and the entropy-coded data up to an EOI that must end the file.
/// OpenEXR (single- and multi-part) reads the headers and checks every chunk in the offset tables lies inside the file.
/// TGA (RLE), Radiance HDR and WebP's VP8 partition are walked far enough to see truncation; BMP, IRIS, TIFF, DPX, Cineon and JPEG 2000
/// check the header, the dimensions and that the data the header describes lies within the file.
/// Bytes after the end of the image fail the formats that mark their end (PNG's IEND, JPEG's EOI, JPEG 2000's EOC, WebP's RIFF size)
/// and are ignored by the others. Where a check fails, Width and Height still carry the size the header stated when it got that far.
/// An unknown format string is only checked to exist and be non-empty, and is then reported as Ok with Width and Height 0:
/// nothing more can be said about it, so the expected size is not compared either.
/// </remarks>
public static class FrameFileVerifier
{
    /// <param name="path">The frame file.</param>
    /// <param name="fileFormat">Blender's <c>scene.render.image_settings.file_format</c>: PNG, JPEG, JPEG2000, BMP, IRIS, TARGA, TARGA_RAW,
    /// CINEON, DPX, OPEN_EXR, OPEN_EXR_MULTILAYER, HDR, TIFF or WEBP (case-insensitive).</param>
    /// <param name="expectedWidth">The width the render settings call for (resolution × percentage).</param>
    /// <param name="expectedHeight">The height the render settings call for.</param>
    public static FrameCheck Verify(string path, string fileFormat, int expectedWidth, int expectedHeight)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fileFormat);

        FrameFile file;
        try
        {
            if (!File.Exists(path))
            {
                return new FrameCheck(false, "file does not exist", 0, 0, 0);
            }

            file = FrameFile.Open(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new FrameCheck(false, $"cannot open file: {ex.Message}", 0, 0, 0);
        }

        using (file)
        {
            var bytes = file.Length;
            if (bytes == 0)
            {
                return new FrameCheck(false, "file is empty", 0, 0, 0);
            }

            ImageCheck? checkedImage;
            try
            {
                checkedImage = Check(file, fileFormat);
            }
            catch (IOException ex)
            {
                return new FrameCheck(false, $"cannot read file: {ex.Message}", bytes, 0, 0);
            }
#pragma warning disable CA1031 // A bug in a format check must become a failed frame, not a crashed coordinator.
            catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
            {
                return new FrameCheck(false, $"could not be verified ({ex.GetType().Name}: {ex.Message})", bytes, 0, 0);
            }

            if (checkedImage is not { } result)
            {
                // Unknown format: existing and non-empty is all that can be said, and the size cannot be read.
                return new FrameCheck(true, null, bytes, 0, 0);
            }

            if (result.Problem is not null)
            {
                return new FrameCheck(false, result.Problem, bytes, result.Width, result.Height);
            }

            if (result.Width != expectedWidth || result.Height != expectedHeight)
            {
                return new FrameCheck(
                    false, $"is {result.Width}x{result.Height}, expected {expectedWidth}x{expectedHeight}", bytes, result.Width, result.Height);
            }

            return new FrameCheck(true, null, bytes, result.Width, result.Height);
        }
    }

    private static ImageCheck? Check(FrameFile file, string fileFormat) => fileFormat.ToUpperInvariant() switch
    {
        "PNG" => PngCheck.Check(file),
        "JPEG" => JpegCheck.Check(file),
        "JPEG2000" => Jpeg2000Check.Check(file),
        "BMP" => BmpCheck.Check(file),
        "IRIS" => IrisCheck.Check(file),
        "TARGA" or "TARGA_RAW" => TargaCheck.Check(file),
        "CINEON" => CineonCheck.Check(file),
        "DPX" => DpxCheck.Check(file),
        "OPEN_EXR" or "OPEN_EXR_MULTILAYER" => ExrCheck.Check(file),
        "HDR" => HdrCheck.Check(file),
        "TIFF" => TiffCheck.Check(file),
        "WEBP" => WebpCheck.Check(file),
        _ => null,
    };
}
