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

    /// <summary>Reads one line of the worker's output; null for Blender's chatter that carries nothing we use.</summary>
    public static WorkerMessage? ParseLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var at = line.IndexOf(Prefix, StringComparison.Ordinal);
        if (at >= 0)
        {
            return ParseEvent(line[(at + Prefix.Length)..]);
        }

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
                "written" => new WorkerFrameEvent(new FrameWritten(
                    frame,
                    root.GetProperty("path").GetString()!,
                    root.GetProperty("seconds").GetDouble(),
                    root.TryGetProperty("bytes", out var bytes) ? bytes.GetInt64() : null,
                    root.TryGetProperty("sha256", out var sha) ? sha.GetString() : null)),
                "error" => new WorkerFrameEvent(new FrameError(frame, root.GetProperty("message").GetString() ?? "unknown error")),
                _ => null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
