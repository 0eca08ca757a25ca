using System.Text.Json;
using BlenderFarm.Application.Ports;
using BlenderFarm.Application.Queue;

namespace BlenderFarm.Coordinator.Storage;

/// <summary>
/// The farm's queue in <c>BLENDERFARM_HOME/queue.json</c>: each save writes a new file and renames it over the old one,
/// so a crash (even kill -9) leaves the last whole queue, never half of one.
/// </summary>
internal sealed class FileJobQueueStore(string home) : IJobQueueStore
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = System.IO.Path.Combine(home, "queue.json");

    public IReadOnlyList<QueuedJob> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<QueuedJob>>(File.ReadAllText(Path), Options) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The farm's queue {Path} cannot be read ({e.Message}): move it away to start with an empty queue.", e);
        }
    }

    public void Save(IReadOnlyList<QueuedJob> jobs)
    {
        var temporary = Path + ".new";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, jobs, Options);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }
}
