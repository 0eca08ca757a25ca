using System.Globalization;
using System.Text;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Progress;

/// <summary>Formats progress for people: the live line, durations, rates.</summary>
internal static class ProgressText
{
    public static string Line(JobProgress p, int width)
    {
        var builder = new StringBuilder();
        var ended = p.Done + p.Failed;
        builder.Append(Bar(p.Total == 0 ? 1 : (double)p.Done / p.Total, 20));
        builder.Append(CultureInfo.InvariantCulture, $" {p.Done}/{p.Total} done");
        if (p.Failed > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $", {p.Failed} failed");
        }

        builder.Append(" | ").Append(Rate(p.FramesPerMinute));
        builder.Append(" | ETA ").Append(ended == p.Total ? "0s" : Duration(p.Eta));
        if (Cost(p.Cost) is { } cost)
        {
            builder.Append(" | ").Append(cost);
        }

        if (p.Workers is { } workers)
        {
            builder.Append(" | ").Append(workers);
        }

        foreach (var slot in p.Slots)
        {
            builder.Append(" | ").Append(slot.Slot).Append(": ");
            builder.Append(slot.Retired ? "retired" : SlotText(slot));
        }

        var text = builder.ToString();
        return text.Length <= width ? text : text[..Math.Max(0, width - 1)] + "…";
    }

    public static string SlotText(SlotActivity slot) =>
        slot.Frame is { } frame && slot.Samples > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{frame} {slot.Sample}/{slot.Samples}")
            : slot.Doing;

    public static string Rate(double? framesPerMinute) =>
        framesPerMinute is { } rate ? string.Create(CultureInfo.InvariantCulture, $"{rate:0.0} frames/min") : "-- frames/min";

    /// <summary>Money spent on cloud instances, as "$0.42"; null when nothing was spent (local and SSH slots).</summary>
    public static string? Cost(double usd) =>
        usd > 0 ? string.Create(CultureInfo.InvariantCulture, $"${usd:0.00}") : null;

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } s || s < TimeSpan.Zero || s > TimeSpan.FromDays(30))
        {
            return "--";
        }

        return s.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours}h{s.Minutes:00}m")
            : s.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{s.Minutes}m{s.Seconds:00}s")
                : string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0}s");
    }

    private static string Bar(double fraction, int cells)
    {
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * cells);
        return "[" + new string('#', filled) + new string('.', cells - filled) + "]";
    }
}
