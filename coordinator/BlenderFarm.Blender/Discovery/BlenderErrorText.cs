namespace BlenderFarm.Blender.Discovery;

/// <summary>
/// Words a failed Blender run in one sentence part, from what Blender printed: the Python exception of a failing script
/// (with the script and line), else Blender's own "Error: …" line, else the last thing it said.
/// </summary>
public static class BlenderErrorText
{
    private const string TracebackStart = "Traceback (most recent call last):";

    public static string Summarize(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = output.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        return PythonException(lines) ?? BlenderError(lines);
    }

    /// <summary>"TypeError: enum "PNG" not found in ('FFMPEG') (inspect_scene.py, line 42)", or null without a traceback.</summary>
    private static string? PythonException(string[] lines)
    {
        var start = Array.FindLastIndex(lines, l => l.TrimEnd().EndsWith(TracebackStart, StringComparison.Ordinal));
        if (start < 0)
        {
            return null;
        }

        string? where = null;
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.TrimStart().StartsWith("File \"", StringComparison.Ordinal))
            {
                where = Location(line.Trim());
            }
            else if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                var exception = line.Trim();
                return where is null ? exception : $"{exception} ({where})";
            }
        }

        return null;
    }

    // File "/x/y/inspect_scene.py", line 42, in <module>  ->  inspect_scene.py, line 42
    private static string? Location(string fileLine)
    {
        var close = fileLine.IndexOf('"', "File \"".Length);
        if (close < 0)
        {
            return null;
        }

        var file = Path.GetFileName(fileLine["File \"".Length..close]);
        var rest = fileLine[(close + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return rest.Length > 0 && rest[0].StartsWith("line ", StringComparison.Ordinal) ? $"{file}, {rest[0]}" : file;
    }

    private static string BlenderError(string[] lines)
    {
        var said = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var error = said.LastOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal))
            ?? said.LastOrDefault(l => !l.StartsWith("Blender quit", StringComparison.Ordinal) && !l.StartsWith("Blender ", StringComparison.Ordinal))
            ?? "it exited without saying why";
        return error.StartsWith("Error:", StringComparison.Ordinal) ? error["Error:".Length..].Trim() : error;
    }
}
