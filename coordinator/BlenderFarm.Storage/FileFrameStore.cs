using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Storage;

/// <summary>
/// The frame store on this machine's file system: frames wait in <c>OUTPUT/.blenderfarm/incoming</c>, on the same
/// file system as the output folder, so committing one is a rename (atomic: no reader ever sees part of a frame).
/// A committed frame gets the mode the user's umask gives, like any file the user writes there.
/// </summary>
public sealed class FileFrameStore(JobSpec spec) : IFrameStore
{
    /// <summary>Folder inside the output folder where frames wait for verification and local slots keep their work.</summary>
    public const string StagingFolderName = ".blenderfarm";

    private readonly string _incoming = Path.Combine(StagingFolder(spec.OutputDirectory), "incoming");

    /// <summary>The staging folder of a job writing to <paramref name="outputDirectory"/>.</summary>
    public static string StagingFolder(string outputDirectory) => Path.Combine(outputDirectory, StagingFolderName);

    public void Open() => Directory.CreateDirectory(_incoming);

    public StagedFrame Stage(int frame) => new(frame, Path.Combine(_incoming, spec.FrameFileName(frame)));

    public void Commit(StagedFrame staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        var target = spec.FramePath(staged.Frame);
        File.Move(staged.LocalPath, target, overwrite: true);
        PrivateFiles.Share(target);
    }

    public void Discard(StagedFrame staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        File.Delete(staged.LocalPath);
    }

    public void RemoveStaging()
    {
        try
        {
            Directory.Delete(StagingFolder(spec.OutputDirectory), recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover partial files do no harm; the next run of the job reuses the folder.
        }
    }
}
