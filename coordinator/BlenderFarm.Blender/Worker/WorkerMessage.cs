using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Blender.Worker;

/// <summary>Something the worker script said on stdout.</summary>
public abstract record WorkerMessage;

/// <summary>Blender loaded the scene and waits for frames; Device is what Cycles renders on (a GPU type, or CPU).</summary>
public sealed record WorkerReady(string BlenderVersion, string Device = "CPU") : WorkerMessage;

/// <summary>The worker went through every frame of the chunk it was given.</summary>
public sealed record WorkerChunkDone : WorkerMessage;

/// <summary>News about one frame.</summary>
public sealed record WorkerFrameEvent(SlotEvent Event) : WorkerMessage;
