namespace BlenderFarm.Blender.Discovery;

/// <summary>The scene uses external files that are not there; the message names each with the datablock that uses it.</summary>
public sealed class MissingSceneFilesException : Exception
{
    public MissingSceneFilesException(IReadOnlyList<MissingFile> files)
        : base(Describe(files)) => Files = files;

    public MissingSceneFilesException() => Files = [];

    public MissingSceneFilesException(string message) : base(message) => Files = [];

    public MissingSceneFilesException(string message, Exception inner) : base(message, inner) => Files = [];

    public IReadOnlyList<MissingFile> Files { get; }

    private static string Describe(IReadOnlyList<MissingFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var listed = string.Join(", ", files.Take(5)) + (files.Count > 5 ? $" and {files.Count - 5} more" : "");
        return $"The scene uses files that are missing: {listed}; fix the paths, or pass --allow-missing to render without them.";
    }
}
