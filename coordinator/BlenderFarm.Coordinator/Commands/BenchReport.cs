using System.Globalization;
using System.Text;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>The benchmark's figures, printed as a table with ratios against the baselines run beside it.</summary>
internal sealed record BenchReport(
    string Scene, int Frames, int Slots, int Cores,
    double SingleSeconds, double PlaceholderSeconds, double FarmSeconds, double IdealSeconds, double SumFrameSeconds)
{
    /// <summary>Makespan of the same frames through BlenderFarm on SSH hosts, when measured.</summary>
    public double? SshSeconds { get; init; }

    public string ToText()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"Benchmark: {Scene}, {Frames} frames, {Slots} slots, {Cores} cores");
        text.AppendLine(c, $"  {"run",-44} {"makespan",9}  {"vs single",9}");
        Row(text, "one blender -a (all cores)", SingleSeconds);
        Row(text, $"{Slots} x blender -a with placeholder files", PlaceholderSeconds);
        Row(text, $"blenderfarm local:{Slots}", FarmSeconds);
        if (SshSeconds is { } ssh)
        {
            Row(text, "blenderfarm over SSH", ssh);
        }

        Row(text, $"ideal: sum of frame times ({SumFrameSeconds:0.0} s) / {Slots}", IdealSeconds);
        Row(text, "one machine's bound: sum of all-core frame times", SumFrameSeconds);
        text.AppendLine(c, $"  blenderfarm / one blender -a      = {FarmSeconds / SingleSeconds:0.00}");
        text.AppendLine(c, $"  blenderfarm / placeholder farm    = {FarmSeconds / PlaceholderSeconds:0.00}");
        text.AppendLine(c, $"  blenderfarm / ideal               = {FarmSeconds / IdealSeconds:0.00}");
        text.Append(c, $"  blenderfarm / one machine's bound = {FarmSeconds / SumFrameSeconds:0.00}");
        if (SshSeconds is { } sshSeconds)
        {
            text.AppendLine().Append(c, $"  over SSH / local slots            = {sshSeconds / FarmSeconds:0.00}");
        }
        return text.ToString();
    }

    private void Row(StringBuilder text, string name, double seconds) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-44} {seconds,8:0.0}s  {seconds / SingleSeconds,8:0.00}x");
}
