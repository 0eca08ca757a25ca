using MessagePack;

namespace BlenderFarm.Domain.Jobs;

/// <summary>What Blender itself reported about the scene a job renders; FileBlenderVersion is the release that saved the .blend (its header), when known.</summary>
[MessagePackObject]
public sealed record SceneInfo(
    [property: Key(0)] string SceneName,
    [property: Key(1)] int FrameStart,
    [property: Key(2)] int FrameEnd,
    [property: Key(3)] int FrameStep,
    [property: Key(4)] int Width,
    [property: Key(5)] int Height,
    [property: Key(6)] string FileFormat,
    [property: Key(7)] string FileExtension,
    [property: Key(8)] string OutputStem,
    [property: Key(9)] string Engine,
    [property: Key(10)] string BlenderVersion,
    [property: Key(11)] string? FileBlenderVersion = null);
