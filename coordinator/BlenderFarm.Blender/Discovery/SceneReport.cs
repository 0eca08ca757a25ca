using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Blender.Discovery;

/// <summary>What inspecting a .blend found: the scene's facts, plus things to warn about or refuse.</summary>
public sealed record SceneReport(SceneInfo Scene, string OriginalFileFormat, bool HasCamera, IReadOnlyList<MissingFile> MissingFiles)
{
    public bool IsMovieOutput => !string.Equals(OriginalFileFormat, Scene.FileFormat, StringComparison.Ordinal);
}

/// <summary>An external file the scene uses that is not there, with the datablock that uses it.</summary>
public sealed record MissingFile(string Kind, string Name, string Path)
{
    public override string ToString() => $"{Kind} '{Name}' ({Path})";
}
