using MessagePack;

namespace BlenderFarm.Domain.Jobs;

/// <summary>A worker host a run made ready: its name (user@host), the Blender version it reported and the slots it gave.</summary>
[MessagePackObject]
public sealed record WorkerHost(
    [property: Key(0)] string Name,
    [property: Key(1)] string BlenderVersion,
    [property: Key(2)] int Slots);
