namespace BlenderFarm.Domain.Scheduling;

/// <summary>What one slot is doing right now, for progress displays. Not journaled.</summary>
public sealed record SlotActivity(string Slot, string Doing, int? Frame, int Sample, int Samples, bool Retired);
