using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Storage;

namespace BlenderFarm.Integration.Tests.Storage;

/// <summary>The file-system frame store with real files: staging, the one-step commit into the output folder, discarding.</summary>
[TestFixture]
public sealed class FileFrameStoreTests
{
    private Workspace _workspace = null!;
    private JobSpec _spec = null!;
    private FileFrameStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _workspace = new Workspace();
        var output = _workspace.PathOf("out");
        Directory.CreateDirectory(output);
        var scene = new SceneInfo("Scene", 1, 10, 1, 64, 48, "PNG", ".png", "shot_", "CYCLES", "4.2.3");
        _spec = new JobSpec("20250314-090000-ab12", _workspace.PathOf("shot.blend"), output, [1, 2, 3], scene, new ChunkPolicy(1),
            "local:2", "/usr/bin/blender", DateTimeOffset.UtcNow);
        _store = new FileFrameStore(_spec);
        _store.Open();
    }

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    [Test]
    public void A_frame_being_fetched_is_not_in_the_output_folder_until_it_is_committed_whole()
    {
        var staged = _store.Stage(2);
        var bytes = Enumerable.Range(0, 1 << 20).Select(i => (byte)i).ToArray();
        using (var fetching = File.Create(staged.LocalPath))
        {
            fetching.Write(bytes, 0, bytes.Length / 2);
            fetching.Flush();
            Assert.That(Directory.GetFiles(_spec.OutputDirectory), Is.Empty, "half a frame is never visible in the output folder");
            fetching.Write(bytes, bytes.Length / 2, bytes.Length - (bytes.Length / 2));
        }

        Assert.That(Directory.GetFiles(_spec.OutputDirectory), Is.Empty, "a fetched frame waits for its verification");
        _store.Commit(staged);

        Assert.That(Directory.GetFiles(_spec.OutputDirectory).Select(Path.GetFileName), Is.EqualTo(new[] { "shot_0002.png" }));
        Assert.That(File.ReadAllBytes(_spec.FramePath(2)), Is.EqualTo(bytes), "the whole file");
        Assert.That(File.Exists(staged.LocalPath), Is.False, "nothing is left in staging");
    }

    [Test]
    public void Committing_replaces_an_earlier_file_of_the_frame()
    {
        File.WriteAllText(_spec.FramePath(1), "an earlier render");
        var staged = Staged(1, "this render");

        _store.Commit(staged);

        Assert.That(File.ReadAllText(_spec.FramePath(1)), Is.EqualTo("this render"));
    }

    [Test]
    public void A_second_commit_of_the_same_staged_frame_is_refused_and_the_output_stays_as_it_was()
    {
        var staged = Staged(3, "frame three");
        _store.Commit(staged);

        Assert.Throws<FileNotFoundException>(() => _store.Commit(staged));
        Assert.That(File.ReadAllText(_spec.FramePath(3)), Is.EqualTo("frame three"));
    }

    [Test]
    public void A_discarded_frame_never_reaches_the_output_folder()
    {
        var staged = Staged(1, "did not verify");

        _store.Discard(staged);

        Assert.That(File.Exists(staged.LocalPath), Is.False);
        Assert.That(Directory.GetFiles(_spec.OutputDirectory), Is.Empty);
    }

    [Test]
    public void A_committed_frame_is_readable_like_the_users_own_files_though_staged_private()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes");
        }

        var staged = Staged(1, "frame one");
        File.SetUnixFileMode(staged.LocalPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        _store.Commit(staged);

        Assert.That(File.GetUnixFileMode(_spec.FramePath(1)) & UnixFileMode.GroupRead, Is.EqualTo(UnixFileMode.GroupRead));
    }

    [Test]
    public void Removing_staging_keeps_the_frames_and_may_run_twice()
    {
        var staged = Staged(1, "frame one");
        _store.Commit(staged);
        Staged(2, "a leftover");

        _store.RemoveStaging();
        _store.RemoveStaging();

        Assert.That(Directory.Exists(FileFrameStore.StagingFolder(_spec.OutputDirectory)), Is.False);
        Assert.That(File.ReadAllText(_spec.FramePath(1)), Is.EqualTo("frame one"));
    }

    /// <summary>A frame fetched into staging with <paramref name="content"/>.</summary>
    private StagedFrame Staged(int frame, string content)
    {
        var staged = _store.Stage(frame);
        File.WriteAllText(staged.LocalPath, content);
        return staged;
    }
}
