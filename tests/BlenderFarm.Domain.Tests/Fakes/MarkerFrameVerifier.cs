using System.Collections.Concurrent;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Domain.Tests.Fakes;

/// <summary>Accepts a file only when it is named for a frame of the job and holds that frame's marker.</summary>
internal sealed class MarkerFrameVerifier(JobSpec spec) : IFrameVerifier
{
    private readonly Dictionary<string, int> _frameByName = spec.Frames.ToDictionary(spec.FrameFileName);
    private readonly ConcurrentDictionary<int, int> _checks = new();

    /// <summary>How many times each frame's file was checked.</summary>
    public int Checks(int frame) => _checks.GetValueOrDefault(frame);

    public FrameVerification Verify(string path)
    {
        if (!_frameByName.TryGetValue(Path.GetFileName(path), out var frame))
        {
            return new FrameVerification(false, 0, $"{Path.GetFileName(path)} is not a frame of this job");
        }

        _checks.AddOrUpdate(frame, 1, (_, n) => n + 1);
        var bytes = new FileInfo(path).Length;
        return File.ReadAllText(path) == RenderScript.Marker(frame)
            ? new FrameVerification(true, bytes, null)
            : new FrameVerification(false, bytes, "the PNG ends before its IEND chunk");
    }
}
