using System.Globalization;
using System.Text.RegularExpressions;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Blender.Output;

/// <summary>
/// Blender's own status lines, in the formats of 3.x/4.x ("Fra:3 Mem:… | Sample 5/16") and 5.x, which puts a clock and a
/// category in front ("00:01.197  render | Fra: 2 | … | Sample 1/4"). Pure and defensive: a line that does not carry
/// sane numbers reads as nothing, never as an exception.
/// </summary>
public static partial class BlenderLogLine
{
    /// <summary>
    /// Arguments that make every version print its frame progress lines: 5.x prints a Python-started render's
    /// "Fra: … | Sample" lines only with its render log on; 3.x and 4.x print them anyway and accept these options.
    /// </summary>
    public static readonly IReadOnlyList<string> RenderLogArguments = ["--log-level", "info", "--log", "render"];

    private static readonly double LongestFrameSeconds = TimeSpan.FromDays(30).TotalSeconds;

    /// <summary>A frame progress line ("Fra:…"), in any version's format; chatter, not worth keeping as error context.</summary>
    public static bool IsProgress(string line) => ProgressLine().IsMatch(line);

    /// <summary>The sample a progress line reports (Cycles "Sample 5/16", EEVEE "Rendering 5 / 64 samples"), or null.</summary>
    public static FrameSample? Sample(string line)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var done = match.Groups["s"].Success ? match.Groups["s"].Value : match.Groups["es"].Value;
        var of = match.Groups["n"].Success ? match.Groups["n"].Value : match.Groups["en"].Value;
        return Int(match.Groups["frame"].Value) is { } frame && Int(done) is { } sample && Int(of) is { } samples && sample <= samples
            ? new FrameSample(frame, sample, samples)
            : null;
    }

    /// <summary>The render time of one frame from "Time: 00:00.56 (Saving: …)" in seconds, or null.</summary>
    public static double? FrameSeconds(string line)
    {
        var match = TimeLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var total = 0.0;
        foreach (var part in match.Groups["time"].Value.Split(':'))
        {
            if (!double.TryParse(part, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            total = (total * 60) + value;
        }

        return double.IsFinite(total) && total <= LongestFrameSeconds ? total : null;
    }

    private static int? Int(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    // 5.x: an optional "MM:SS.mmm  category |" in front of the 3.x/4.x text; "Fra: 2" may carry a space.
    private const string Front = @"^\s*(?:[0-9:.]+\s+[a-z_.]+\s*\|\s*)?";

    [GeneratedRegex(Front + @"Fra:\s*-?\d+\b")]
    private static partial Regex ProgressLine();

    [GeneratedRegex(Front + @"Fra:\s*(?<frame>-?\d+)\b.*\|\s*(?:Sample (?<s>\d+)/(?<n>\d+)|Rendering (?<es>\d+) / (?<en>\d+) samples)")]
    private static partial Regex SampleLine();

    [GeneratedRegex(Front + @"Time: (?<time>[0-9:.]+) \(Saving")]
    private static partial Regex TimeLine();
}
