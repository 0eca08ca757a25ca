using System.Globalization;

namespace BlenderFarm.Domain.Frames;

/// <summary>
/// Parses frame specifications as artists write them: <c>1-250</c>, <c>1,5,9</c>, <c>1-100x4</c> (every 4th frame),
/// and mixtures such as <c>1-10,20,30-40x2</c>. The result is sorted and free of duplicates.
/// </summary>
public static class FrameSpec
{
    /// <summary>The largest number of frames one job may hold.</summary>
    public const int MaxFrames = 1_000_000;

    public static IReadOnlyList<int> Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new FrameSpecException("The frame list is empty: give frames like 1-250, 1,5,9 or 1-100x4.");
        }

        var frames = new SortedSet<int>();
        foreach (var rawPart in spec.Split(',', StringSplitOptions.TrimEntries))
        {
            if (rawPart.Length == 0)
            {
                throw new FrameSpecException($"'{spec}' has an empty item between commas: give frames like 1-250, 1,5,9 or 1-100x4.");
            }

            var (first, last, step) = ParsePart(rawPart, spec);
            for (long frame = first; frame <= last; frame += step)
            {
                frames.Add((int)frame);
                if (frames.Count > MaxFrames)
                {
                    throw new FrameSpecException($"'{spec}' names more than {MaxFrames:N0} frames.");
                }
            }
        }

        return [.. frames];
    }

    /// <summary>Every frame of a scene's own range, as Blender's <c>-a</c> would render it.</summary>
    public static IReadOnlyList<int> FromScene(int start, int end, int step)
    {
        if (end < start || step < 1)
        {
            throw new FrameSpecException($"The scene's frame range {start}-{end} (step {step}) holds no frames.");
        }

        var frames = new List<int>();
        for (long frame = start; frame <= end; frame += step)
        {
            frames.Add((int)frame);
        }

        return frames;
    }

    /// <summary>Throws when any frame lies outside the scene's start/end.</summary>
    public static void EnsureInsideScene(IReadOnlyList<int> frames, int sceneStart, int sceneEnd)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var outside = frames.Where(f => f < sceneStart || f > sceneEnd).ToList();
        if (outside.Count > 0)
        {
            var shown = string.Join(", ", outside.Take(5)) + (outside.Count > 5 ? ", ..." : "");
            throw new FrameSpecException(
                $"Frame{(outside.Count == 1 ? "" : "s")} {shown} {(outside.Count == 1 ? "is" : "are")} outside the scene's range {sceneStart}-{sceneEnd}.");
        }
    }

    /// <summary>Writes frames back in the compact form <see cref="Parse"/> reads.</summary>
    public static string Format(IReadOnlyList<int> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var parts = new List<string>();
        var i = 0;
        while (i < frames.Count)
        {
            var j = i;
            while (j + 1 < frames.Count && frames[j + 1] == frames[j] + 1)
            {
                j++;
            }

            parts.Add(j == i
                ? frames[i].ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{frames[i]}-{frames[j]}"));
            i = j + 1;
        }

        return string.Join(',', parts);
    }

    private static (long First, long Last, long Step) ParsePart(string part, string spec)
    {
        var step = 1L;
        var range = part;
        var x = part.IndexOfAny(['x', 'X']);
        if (x >= 0)
        {
            step = ParseNumber(part[(x + 1)..], spec, "step");
            range = part[..x].Trim();
            if (step < 1)
            {
                throw new FrameSpecException($"'{part}' in '{spec}' has step {step}: a step must be 1 or more.");
            }
        }

        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash == 0)
        {
            throw new FrameSpecException($"'{spec}' is not a frame list: '{part}' starts with '-' (frames are 0 or more; write frames like 1-250, 1,5,9 or 1-100x4).");
        }

        if (dash < 0)
        {
            if (x >= 0)
            {
                throw new FrameSpecException($"'{part}' in '{spec}' has a step but no range: write it like 1-100x4.");
            }

            var single = ParseNumber(range, spec, "frame");
            return (single, single, 1);
        }

        var first = ParseNumber(range[..dash], spec, "frame");
        var last = ParseNumber(range[(dash + 1)..], spec, "frame");
        if (last < first)
        {
            throw new FrameSpecException($"'{part}' in '{spec}' runs backwards: write the lower frame first.");
        }

        return (first, last, step);
    }

    private static long ParseNumber(string text, string spec, string what)
    {
        var trimmed = text.Trim();
        if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value > 1_048_574)
        {
            throw new FrameSpecException(
                $"'{spec}' is not a frame list: '{trimmed}' is not a valid {what} number (write frames like 1-250, 1,5,9 or 1-100x4).");
        }

        return value;
    }
}
