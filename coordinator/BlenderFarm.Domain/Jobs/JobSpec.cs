using MessagePack;

namespace BlenderFarm.Domain.Jobs;

/// <summary>Everything a job was asked to do, fixed when it is submitted. The first record of its journal.</summary>
[MessagePackObject]
public sealed record JobSpec(
    [property: Key(0)] string JobId,
    [property: Key(1)] string BlendFile,
    [property: Key(2)] string OutputDirectory,
    [property: Key(3)] IReadOnlyList<int> Frames,
    [property: Key(4)] SceneInfo Scene,
    [property: Key(5)] ChunkPolicy Chunk,
    [property: Key(6)] string Workers,
    [property: Key(7)] string BlenderPath,
    [property: Key(8)] DateTimeOffset CreatedAt)
{
    /// <summary>The file name Blender gives a frame: the output stem with its last run of '#' replaced, or 4 digits appended.</summary>
    public string FrameFileName(int frame) => OutputNaming.FrameFileName(Scene.OutputStem, Scene.FileExtension, frame);

    public string FramePath(int frame) => Path.Combine(OutputDirectory, FrameFileName(frame));
}
