namespace BlenderFarm.Domain.Frames;

/// <summary>The rules of a frame's life: which state may follow which, and the named sets the scheduler asks about.</summary>
public static class FrameTransitions
{
    /// <summary>States in which a slot holds the frame.</summary>
    public static readonly IReadOnlySet<FrameState> InFlight =
        new HashSet<FrameState> { FrameState.Assigned, FrameState.Rendering, FrameState.Transferring };

    /// <summary>States that end a frame's life in this run.</summary>
    public static readonly IReadOnlySet<FrameState> Final =
        new HashSet<FrameState> { FrameState.Done, FrameState.Failed };

    public static bool IsAllowed(FrameState from, FrameState to) => (from, to) switch
    {
        (FrameState.Queued, FrameState.Assigned) => true,
        (FrameState.Assigned, FrameState.Rendering) => true,
        (FrameState.Assigned, FrameState.Queued) => true,        // chunk handed back unstarted
        (FrameState.Rendering, FrameState.Transferring) => true,
        (FrameState.Rendering, FrameState.Queued) => true,       // attempt failed, retry
        (FrameState.Rendering, FrameState.Failed) => true,       // last attempt failed
        (FrameState.Transferring, FrameState.Done) => true,
        (FrameState.Transferring, FrameState.Queued) => true,    // file did not verify, retry
        (FrameState.Transferring, FrameState.Failed) => true,
        (FrameState.Done, FrameState.Queued) => true,            // resume found its file gone
        (FrameState.Failed, FrameState.Queued) => true,          // resume retries failed frames
        (FrameState.Queued, FrameState.Done) => true,            // resume adopted a verified file written before a crash
        _ => false,
    };
}
