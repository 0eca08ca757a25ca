using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>What a job's journal says, for assertions: read from the file the CLI wrote.</summary>
internal sealed class JournalView(string home, string jobId)
{
    private readonly JobStore _store = new(home);

    public IReadOnlyList<JournalRecord> Records => FileJobJournal.Read(_store.JournalPath(jobId)).Records;

    public JobState State => _store.Read(jobId);

    public IEnumerable<FrameChanged> Changes => Records.OfType<FrameChanged>();

    /// <summary>How many times each frame became Done, over the whole life of the job.</summary>
    public IReadOnlyDictionary<int, int> DoneCounts() =>
        Changes.Where(c => c.To == FrameState.Done).GroupBy(c => c.Frame).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Frames that a Blender started rendering after the given run began (runs count from 1).</summary>
    public ISet<int> FramesRenderedInRun(int run)
    {
        var runs = 0;
        var frames = new HashSet<int>();
        foreach (var record in Records)
        {
            if (record is RunStarted)
            {
                runs++;
            }
            else if (runs == run && record is FrameChanged { To: FrameState.Rendering } change)
            {
                frames.Add(change.Frame);
            }
        }

        return frames;
    }

    public static string SingleJobId(string home)
    {
        var ids = new JobStore(home).JobIds();
        Assert.That(ids, Has.Count.EqualTo(1), "expected exactly one job");
        return ids[0];
    }
}
