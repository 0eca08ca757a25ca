namespace BlenderFarm.Domain.Ports;

/// <summary>A frame for a slot to render, and the file name Blender gives it.</summary>
public sealed record FrameOrder(int Frame, string FileName);

/// <summary>Something a slot reports about one frame.</summary>
public abstract record SlotEvent(int Frame);

/// <summary>Blender began the frame.</summary>
public sealed record FrameBegan(int Frame) : SlotEvent(Frame);

/// <summary>Blender reached a sample of the frame.</summary>
public sealed record FrameSample(int Frame, int Sample, int Samples) : SlotEvent(Frame);

/// <summary>
/// Blender wrote the frame's file at the path the coordinator ordered on the worker (never a path the worker names),
/// with its size and SHA-256 there as the worker reports them.
/// </summary>
public sealed record FrameWritten(int Frame, string WorkerPath, double RenderSeconds, long? Bytes = null, string? Sha256 = null) : SlotEvent(Frame);

/// <summary>Blender could not render or write the frame; the slot goes on with the next.</summary>
public sealed record FrameError(int Frame, string Message) : SlotEvent(Frame);
