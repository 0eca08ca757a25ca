namespace BlenderFarm.Domain.Ports;

/// <summary>
/// Where a job's frames wait between the worker and the output folder: a frame is staged (a slot fetches its file
/// there), handed to the verifier, then committed into the output folder in one step, or discarded. The runner never
/// touches the output folder itself.
/// </summary>
public interface IFrameStore
{
    /// <summary>Makes the staging area ready; called once when a run starts.</summary>
    void Open();

    /// <summary>A place on this machine for the frame's file while it is fetched and verified.</summary>
    StagedFrame Stage(int frame);

    /// <summary>
    /// Moves a staged file that verified into the output folder in one step: a reader sees the frame's earlier file or
    /// the whole new one, never part of it. An earlier file of that frame is replaced. A staged file is committed once;
    /// a second commit throws <see cref="IOException"/> and leaves the output as it was.
    /// </summary>
    void Commit(StagedFrame staged);

    /// <summary>Removes a staged file that did not verify; nothing reaches the output folder.</summary>
    void Discard(StagedFrame staged);

    /// <summary>Removes the staging area once the job has ended (completed or cancelled); leftovers do no harm.</summary>
    void RemoveStaging();
}

/// <summary>A frame's file in the staging area: <paramref name="LocalPath"/> is where the slot fetches it and what the verifier reads.</summary>
public sealed record StagedFrame(int Frame, string LocalPath);
