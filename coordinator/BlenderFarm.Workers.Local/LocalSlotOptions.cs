namespace BlenderFarm.Workers.Local;

/// <summary>How a local slot starts its Blender.</summary>
public sealed record LocalSlotOptions(
    string BlenderPath,
    string BlendFile,
    string WorkerScript,
    string WorkFolder,
    int Threads,
    string? FileFormatOverride)
{
    /// <summary>How long Blender may take to start and load the scene.</summary>
    public TimeSpan LoadTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
