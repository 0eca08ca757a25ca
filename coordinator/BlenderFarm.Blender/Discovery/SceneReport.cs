using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Blender.Discovery;

/// <summary>What inspecting a .blend found: the scene's facts, plus things to warn about or refuse.</summary>
public sealed record SceneReport(
    SceneInfo Scene,
    string OriginalFileFormat,
    bool HasCamera,
    IReadOnlyList<MissingFile> MissingFiles,
    IReadOnlyList<SceneDependency> Dependencies)
{
    /// <summary>What packing refuses to carry (a filesystem root, the home folder, a hidden folder, a link out of the project, a job over the size limit), one sentence each.</summary>
    public IReadOnlyList<string> Refused { get; init; } = [];

    public bool IsMovieOutput => !string.Equals(OriginalFileFormat, Scene.FileFormat, StringComparison.Ordinal);
}

/// <summary>An external file the scene uses that is not there: the datablock that uses it (<c>image 'Wood'</c>) and the path Blender looks for.</summary>
public sealed record MissingFile(string Kind, string Name, string Path)
{
    public override string ToString() => $"{Name} ({Path})";
}

/// <summary>
/// An external file the scene uses and that exists: <paramref name="Path"/> as written in the .blend (often
/// <c>//relative</c>), <paramref name="Absolute"/> where it is on this machine. Linked means it belongs to a
/// library's datablock. <paramref name="Target"/> is its place in the job folder, decided by the add-on's
/// job_layout.py, the one layout rule; the job's .blend copies are rewritten to point there (<see cref="JobBlendRemapper"/>).
/// </summary>
public sealed record SceneDependency(string Kind, string Name, string Path, string Absolute, bool Linked, string Target);
