namespace BlenderFarm.Domain.Frames;

/// <summary>
/// Where one frame is in its life. Values are written to the journal: they are explicit and new members are only appended.
/// </summary>
public enum FrameState
{
    /// <summary>Waiting for a slot.</summary>
    Queued = 0,

    /// <summary>In a chunk handed to a slot, not started yet.</summary>
    Assigned = 1,

    /// <summary>Blender is rendering it.</summary>
    Rendering = 2,

    /// <summary>Rendered; its file is being brought to the output folder and verified.</summary>
    Transferring = 3,

    /// <summary>Its file is in the output folder and verified. Final.</summary>
    Done = 4,

    /// <summary>Every attempt failed. Final for this run; <c>resume</c> queues it again.</summary>
    Failed = 5,
}
