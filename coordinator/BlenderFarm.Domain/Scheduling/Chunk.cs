namespace BlenderFarm.Domain.Scheduling;

/// <summary>Frames handed to one slot at once; the slot renders them in order.</summary>
public sealed record Chunk(string Slot, IReadOnlyList<int> Frames);
