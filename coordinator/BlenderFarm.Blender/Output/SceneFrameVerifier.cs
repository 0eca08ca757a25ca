using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Blender.Output;

/// <summary>Verifies frame files against the job's scene: its file format and its output size.</summary>
public sealed class SceneFrameVerifier(SceneInfo scene) : IFrameVerifier
{
    public FrameVerification Verify(string path)
    {
        var check = FrameFileVerifier.Verify(path, scene.FileFormat, scene.Width, scene.Height);
        return new FrameVerification(check.Ok, check.Bytes, check.Problem);
    }
}
