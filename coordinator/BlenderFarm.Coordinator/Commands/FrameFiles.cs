using BlenderFarm.Blender.Output;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// A job's frame files as a run's start judges them (<see cref="ResumeRule"/>): a done frame's file must still have its
/// recorded size; a frame not done is adopted when this job wrote a file for it that verifies. Used by the run and by
/// <c>status</c>, so both count the same frames as done.
/// </summary>
internal sealed class FrameFiles(JobSpec spec, SceneFrameVerifier verifier)
{
    public bool DoneOutputIntact(FrameInfo frame) => FileLength(spec.FramePath(frame.Frame)) == frame.Bytes;

    public long? VerifiedOutputBytes(int frame)
    {
        var path = spec.FramePath(frame);
        if (!File.Exists(path) || File.GetLastWriteTimeUtc(path) < spec.CreatedAt.UtcDateTime)
        {
            return null;
        }

        var check = verifier.Verify(path);
        return check.Ok ? check.Bytes : null;
    }

    /// <summary>What starting a run now would keep, queue again and adopt.</summary>
    public IReadOnlyList<ResumeDecision> OnResume(JobState state) => ResumeRule.Decide(state, DoneOutputIntact, VerifiedOutputBytes);

    private static long? FileLength(string path) => File.Exists(path) ? new FileInfo(path).Length : null;
}
