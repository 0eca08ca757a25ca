using System.Text.Json;
using BlenderFarm.Blender.Output;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Blender.Worker;

/// <summary>
/// The line protocol between the coordinator and worker.py (documented at the top of that script). Pure: turns lines
/// into messages and orders into lines.
/// </summary>
public static class WorkerProtocol
{
    public const string Prefix = "@@BF ";
    public const string QuitCommand = """{"cmd":"quit"}""";

    public static string RenderCommand(IEnumerable<(int Frame, string Path)> frames)
    {
        var command = new
        {
            cmd = "render",
            frames = frames.Select(f => new { frame = f.Frame, path = f.Path }),
        };
        return JsonSerializer.Serialize(command);
    }

    /// <summary>A fresh secret for one worker session: the worker starts each event line with it.</summary>
    public static string NewToken() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Reads one line of the worker's output. An event counts only when the line STARTS with the prefix and this
    /// session's token (a scene can print anything, such as an object named like an event, but cannot know the
    /// token); everything else is Blender's own output, read for sample progress at most.
    /// </summary>
    public static WorkerMessage? ParseLine(string line, string token)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentException.ThrowIfNullOrEmpty(token);
        var marker = Prefix + token + " ";
        return line.StartsWith(marker, StringComparison.Ordinal) ? ParseEvent(line[marker.Length..]) : ParseLine(line);
    }

    /// <summary>Reads one line of Blender's own output (never an event); null for chatter that carries nothing we use.</summary>
    public static WorkerMessage? ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return BlenderLogLine.Sample(line) is { } sample ? new WorkerFrameEvent(sample) : null;
    }

    private static WorkerMessage? ParseEvent(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var frame = root.TryGetProperty("frame", out var f) ? f.GetInt32() : 0;
            return root.GetProperty("ev").GetString() switch
            {
                "ready" => new WorkerReady(
                    root.GetProperty("blender").GetString() ?? "?",
                    root.TryGetProperty("device", out var device) ? device.GetString() ?? "CPU" : "CPU"),
                "chunk_done" => new WorkerChunkDone(),
                "begin" => new WorkerFrameEvent(new FrameBegan(frame)),
                "written" => Written(root, frame),
                "error" => new WorkerFrameEvent(new FrameError(frame, root.GetProperty("message").GetString() ?? "unknown error")),
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Size and SHA-256 are mandatory. The worker's path is never taken: the session puts in the path it ordered
    /// (<see cref="BlenderWorkerSession"/>), so the path here stays empty.
    /// </summary>
    private static WorkerFrameEvent Written(JsonElement root, int frame)
    {
        var seconds = root.GetProperty("seconds").GetDouble();
        var sha256 = root.TryGetProperty("sha256", out var sha) ? sha.GetString() : null;
        if (!root.TryGetProperty("bytes", out var bytes) || bytes.ValueKind != JsonValueKind.Number || sha256 is null
            || sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
        {
            return new WorkerFrameEvent(new FrameError(frame, "the worker reported the frame without its size and SHA-256"));
        }

        return new WorkerFrameEvent(new FrameWritten(frame, "", Math.Max(0, seconds), bytes.GetInt64(), sha256.ToLowerInvariant()));
    }
}
