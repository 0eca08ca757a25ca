using System.Globalization;

namespace BlenderFarm.Domain.Jobs;

/// <summary>Blender's rule for frame file names (BLI_path_frame): the last run of '#' becomes the zero-padded frame, else 4 digits are appended.</summary>
public static class OutputNaming
{
    public static string FrameFileName(string stem, string extension, int frame)
    {
        ArgumentNullException.ThrowIfNull(stem);
        ArgumentNullException.ThrowIfNull(extension);
        var end = stem.LastIndexOf('#');
        string name;
        if (end < 0)
        {
            name = stem + Pad(frame, 4);
        }
        else
        {
            var start = end;
            while (start > 0 && stem[start - 1] == '#')
            {
                start--;
            }

            name = stem[..start] + Pad(frame, end - start + 1) + stem[(end + 1)..];
        }

        return extension.Length > 0 && !name.EndsWith(extension, StringComparison.OrdinalIgnoreCase) ? name + extension : name;
    }

    private static string Pad(int frame, int width) =>
        frame < 0
            ? "-" + (-frame).ToString(CultureInfo.InvariantCulture).PadLeft(width - 1, '0')
            : frame.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
}
