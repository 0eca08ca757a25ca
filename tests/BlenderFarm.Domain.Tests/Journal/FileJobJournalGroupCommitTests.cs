using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Journal;

/// <summary>Group commit: many records share one flush, and each append's task completes once its record is on disk.</summary>
[TestFixture]
public sealed class FileJobJournalGroupCommitTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 14, 11, 30, 15, TimeSpan.Zero);

    private TempFolder _temp = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _path = _temp.Combine("journal.bfj");
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    private static FrameChanged Record(int writer, int index) =>
        new(index, FrameState.Rendering, FrameState.Transferring, At, $"slot-{writer}", 0, null, 1.5, null);

    private FileJobJournal NewJournal() => FileJobJournal.Create(_path, new JobCreated(TestJobs.Spec(TestJobs.Frames(1, 4))));

    [Test]
    public async Task Many_slots_writing_at_once_share_flushes_and_every_record_reads_back_in_each_writers_order()
    {
        const int writers = 200;
        const int perWriter = 20;
        using var journal = NewJournal();
        var gate = new Lock();
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                Task durable;
                lock (gate)
                {
                    durable = journal.AppendAsync(Record(w, i));
                }

                await durable;
            }
        }));
        await Task.WhenAll(tasks);

        var read = FileJobJournal.Read(_path);
        var changes = read.Records.OfType<FrameChanged>().ToList();
        Assert.That(changes, Has.Count.EqualTo(writers * perWriter), "every acknowledged record is on disk while the journal is still open");
        foreach (var group in changes.GroupBy(c => c.Slot))
        {
            Assert.That(group.Select(c => c.Frame), Is.EqualTo(Enumerable.Range(0, perWriter)), $"{group.Key}'s records in the order it wrote them");
        }

        Assert.That(journal.Flushes, Is.LessThan(writers * perWriter / 4), "many records per flush to the disk");
        Assert.That(read.TornTailBytes, Is.Zero);
    }

    [Test]
    public async Task A_record_is_on_disk_when_its_append_completes()
    {
        using var journal = NewJournal();

        await journal.AppendAsync(Record(1, 7));

        Assert.That(FileJobJournal.Read(_path).Records.OfType<FrameChanged>().Single().Frame, Is.EqualTo(7));
        Assert.That(journal.PendingRecords, Is.Zero);
    }

    [Test]
    public void Closing_the_journal_writes_every_record_appended_before()
    {
        var journal = NewJournal();
        var pending = Enumerable.Range(0, 500).Select(i => journal.AppendAsync(Record(1, i))).ToList();

        journal.Dispose();

        Assert.That(pending.All(t => t.IsCompletedSuccessfully), Is.True);
        Assert.That(FileJobJournal.Read(_path).Records.OfType<FrameChanged>().Select(c => c.Frame), Is.EqualTo(Enumerable.Range(0, 500)));
        Assert.Throws<ObjectDisposedException>(() => journal.AppendAsync(Record(1, 500)));
    }

    [Test]
    public async Task A_journal_reopened_after_a_torn_batch_keeps_the_records_before_it_and_appends_after_them()
    {
        using (var journal = NewJournal())
        {
            await journal.AppendAsync(Record(1, 1));
            await journal.AppendAsync(Record(1, 2));
        }

        // A crash in the middle of the next batch: half a record at the end.
        File.AppendAllText(_path, "\u0040\0\0\0torn");
        using (var reopened = FileJobJournal.OpenForAppend(_path))
        {
            await reopened.AppendAsync(Record(1, 3));
        }

        var read = FileJobJournal.Read(_path);
        Assert.That(read.Records.OfType<FrameChanged>().Select(c => c.Frame), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(read.TornTailBytes, Is.Zero);
    }
}
