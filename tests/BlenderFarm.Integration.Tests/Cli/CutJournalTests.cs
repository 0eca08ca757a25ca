using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>A journal cut in the middle of a record (a crash mid-write): status counts what resume would keep.</summary>
[Category("Blender")]
public sealed class CutJournalTests
{
    [Test]
    public async Task Status_on_a_journal_cut_mid_record_counts_as_done_exactly_the_frames_resume_adopts()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");
        Assert.That((await workspace.Cli.RunAsync("render", scene, "--frames", "1-6", "--workers", "local:1", "--output", output, "--job-id", "cut")).ExitCode, Is.Zero);
        var path = Path.Combine(workspace.Cli.Home, "jobs", "cut", "journal.bfj");
        var bytes = await File.ReadAllBytesAsync(path);
        // Cut three bytes into the record of the first frame done: the journal lists no frame done, every file is there.
        var firstDone = Enumerable.Range(1, bytes.Length).First(length => PrefixHasDoneFrame(bytes, length, workspace.PathOf("probe.bfj")));
        await File.WriteAllBytesAsync(path, bytes[..(firstDone - 3)]);
        var journal = new JournalView(workspace.Cli.Home, "cut");
        Assert.That(journal.State.Frames.Count(f => f.State == FrameState.Done), Is.Zero, "the cut journal lists no frame done");
        File.Delete(Path.Combine(output, "frame_0004.png")); // a frame whose file is gone is not done, for status and resume alike

        var status = await workspace.Cli.RunAsync("status", "cut");
        var resumed = await workspace.Cli.RunAsync("resume", "cut");

        Assert.That(status.ExitCode, Is.Zero, status.ToString());
        Assert.That(status.Stdout, Does.Contain("Done 5, failed 0, queued 1, in flight 0"), status.ToString());
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(journal.FramesRenderedInRun(2), Is.EquivalentTo(new[] { 4 }), "resume adopted the five verified files and rendered only frame 4");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
    }

    private static bool PrefixHasDoneFrame(byte[] journal, int length, string probe)
    {
        File.WriteAllBytes(probe, journal[..length]);
        try
        {
            return FileJobJournal.Read(probe).Records.OfType<FrameChanged>().Any(c => c.To == FrameState.Done);
        }
        catch (InvalidDataException)
        {
            return false; // shorter than the journal's header
        }
    }
}
