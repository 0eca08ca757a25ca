using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Journal;

[TestFixture]
public sealed class FileJobJournalTests
{
    private const int HeaderLength = 11; // "BFJOURNAL1\n"
    private static readonly DateTimeOffset At = new(2025, 3, 14, 11, 30, 15, 123, TimeSpan.FromHours(2));

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

    private static JobSpec UnusualSpec() => new(
        "20250314-113015-9f3c",
        "/tmp/scène $x \"q\"/a.blend",
        "/tmp/sortie ü 日本/frames",
        [1, 5, 9, 1_048_574],
        new SceneInfo("Scène 1", 1, 250, 4, 1920, 1080, "OPEN_EXR", ".exr", "plan_###_v2", "CYCLES", "4.2.3 LTS"),
        new ChunkPolicy(8),
        "local:2,ssh:gpu1",
        "C:\\Program Files\\Blender Foundation\\blender.exe",
        At);

    private static IEnumerable<TestCaseData> Records()
    {
        yield return new TestCaseData(new RunStarted(At, 4242, "local:2")).SetName("RunStarted");
        yield return new TestCaseData(new FrameChanged(9, FrameState.Queued, FrameState.Assigned, At, "local-1", 0, null, null, null)).SetName("FrameChanged with nothing optional");
        yield return new TestCaseData(new FrameChanged(9, FrameState.Transferring, FrameState.Done, At, "ssh:gpu1/0", 2, "dérivé", 12.75, 5_000_000_000)).SetName("FrameChanged with everything");
        yield return new TestCaseData(new SlotRetired("local-2", "3 failures in a row; last: \"CUDA error\"", At)).SetName("SlotRetired");
        yield return new TestCaseData(new JobStatusChanged(JobStatus.Paused, At, "disk full: No space left on device")).SetName("JobStatusChanged with a reason");
        yield return new TestCaseData(new JobStatusChanged(JobStatus.Completed, At, null)).SetName("JobStatusChanged without a reason");
        yield return new TestCaseData(new InstanceCostRecorded("i-0abc123", "g5.xlarge", "eu-west-1b", 0.4123, At, At.AddMinutes(90), 0.61845, true, At.AddMinutes(91)))
            .SetName("InstanceCostRecorded");
    }

    [TestCaseSource(nameof(Records))]
    public void A_record_reads_back_as_written(JournalRecord record)
    {
        using (var journal = FileJobJournal.Create(_path, record))
        {
            journal.Append(record);
        }

        var read = FileJobJournal.Read(_path);

        Assert.That(read.Records, Is.EqualTo(new[] { record, record }), "as the first record and as an appended one");
        Assert.That(read.TornTailBytes, Is.Zero);
    }

    [Test]
    public void A_job_spec_reads_back_exactly_including_non_ascii_and_quoted_paths()
    {
        var spec = UnusualSpec();
        FileJobJournal.Create(_path, new JobCreated(spec)).Dispose();

        var read = (JobCreated)FileJobJournal.Read(_path).Records.Single();

        // Records compare lists by reference, so the frames are compared on their own.
        Assert.That(read.Spec.Frames, Is.EqualTo(spec.Frames));
        Assert.That(read.Spec with { Frames = spec.Frames }, Is.EqualTo(spec));
        Assert.That(read.Spec.BlendFile, Is.EqualTo("/tmp/scène $x \"q\"/a.blend"));
        Assert.That(read.Spec.CreatedAt.Offset, Is.EqualTo(TimeSpan.FromHours(2)), "the local offset survives");
        Assert.That(read.Spec.Chunk.IsAuto, Is.False);
    }

    [Test]
    public void An_auto_chunk_policy_reads_back_as_auto()
    {
        FileJobJournal.Create(_path, new JobCreated(UnusualSpec() with { Chunk = ChunkPolicy.Auto })).Dispose();

        Assert.That(((JobCreated)FileJobJournal.Read(_path).Records.Single()).Spec.Chunk.IsAuto, Is.True);
    }

    [Test]
    public void Records_read_back_in_the_order_appended_and_each_is_readable_as_soon_as_Append_returns()
    {
        var records = Sample();
        using var journal = FileJobJournal.Create(_path, records[0]);
        Assert.That(FileJobJournal.Read(_path).Records, Is.EqualTo(records.Take(1)));
        for (var i = 1; i < records.Count; i++)
        {
            journal.Append(records[i]);

            var read = FileJobJournal.Read(_path);
            Assert.That(read.Records, Has.Count.EqualTo(i + 1));
            Assert.That(read.Records[^1], Is.EqualTo(records[i]));
        }
    }

    [Test]
    public void A_torn_last_record_is_skipped_and_reported_wherever_the_cut_falls()
    {
        var records = Sample();
        var (beforeLast, full) = WriteAndMeasure(records);
        var bytes = File.ReadAllBytes(_path);
        var torn = _temp.Combine("torn.bfj");

        using (Assert.EnterMultipleScope())
        {
            for (var cut = 1; cut < full - beforeLast; cut++)
            {
                File.WriteAllBytes(torn, bytes[..^cut]);

                JournalReadResult? read = null;
                Assert.DoesNotThrow(() => read = FileJobJournal.Read(torn), $"cut {cut} bytes");
                Assert.That(read!.Records, Is.EqualTo(records.Take(records.Count - 1)), $"cut {cut} bytes");
                Assert.That(read.ValidLength, Is.EqualTo(beforeLast), $"cut {cut} bytes");
                Assert.That(read.TornTailBytes, Is.EqualTo(full - cut - beforeLast), $"cut {cut} bytes");
            }
        }
    }

    [Test]
    public void A_tail_of_zeros_left_by_a_crash_is_torn_not_a_record()
    {
        var records = Sample();
        var (_, full) = WriteAndMeasure(records);
        using (var stream = new FileStream(_path, FileMode.Append))
        {
            stream.Write(new byte[16]);
        }

        var read = FileJobJournal.Read(_path);

        Assert.That(read.Records, Is.EqualTo(records));
        Assert.That(read.ValidLength, Is.EqualTo(full));
        Assert.That(read.TornTailBytes, Is.EqualTo(16));
    }

    [Test]
    public void OpenForAppend_cuts_the_torn_tail_so_the_next_record_is_readable()
    {
        var records = Sample();
        var (beforeLast, full) = WriteAndMeasure(records);
        File.WriteAllBytes(_path, File.ReadAllBytes(_path)[..(int)(full - 3)]);
        var next = new JobStatusChanged(JobStatus.Running, At.AddHours(1), "resumed");

        using (var journal = FileJobJournal.OpenForAppend(_path))
        {
            journal.Append(next);
        }

        var read = FileJobJournal.Read(_path);
        Assert.That(read.Records, Is.EqualTo(records.Take(records.Count - 1).Append(next)));
        Assert.That(read.TornTailBytes, Is.Zero);
        Assert.That(read.ValidLength, Is.EqualTo(new FileInfo(_path).Length));
        Assert.That(read.ValidLength, Is.GreaterThan(beforeLast));
    }

    [Test]
    public void OpenForAppend_on_an_intact_journal_appends_after_the_last_record()
    {
        var records = Sample();
        WriteAndMeasure(records);
        var next = new RunStarted(At.AddDays(1), 77, "local:4");

        using (var journal = FileJobJournal.OpenForAppend(_path))
        {
            journal.Append(next);
        }

        Assert.That(FileJobJournal.Read(_path).Records, Is.EqualTo(records.Append(next)));
    }

    [Test]
    public void A_flipped_byte_inside_a_payload_stops_reading_at_that_record()
    {
        var records = Sample();
        using (var journal = FileJobJournal.Create(_path, records[0]))
        {
            journal.Append(records[1]);
        }

        var thirdStarts = new FileInfo(_path).Length;
        using (var journal = FileJobJournal.OpenForAppend(_path))
        {
            journal.Append(records[2]);
            journal.Append(records[3]);
        }

        var full = new FileInfo(_path).Length;
        var bytes = File.ReadAllBytes(_path);
        bytes[thirdStarts + 8 + 2] ^= 0x20;
        File.WriteAllBytes(_path, bytes);

        var read = FileJobJournal.Read(_path);

        Assert.That(read.Records, Is.EqualTo(records.Take(2)));
        Assert.That(read.ValidLength, Is.EqualTo(thirdStarts));
        Assert.That(read.TornTailBytes, Is.EqualTo(full - thirdStarts));
    }

    [TestCase(0, TestName = "A corrupt length field stops reading at that record")]
    [TestCase(4, TestName = "A corrupt checksum stops reading at that record")]
    public void A_corrupt_frame_header_stops_reading_at_that_record(int offsetInFrame)
    {
        var records = Sample();
        var (beforeLast, _) = WriteAndMeasure(records);
        var bytes = File.ReadAllBytes(_path);
        bytes[beforeLast + offsetInFrame] ^= 0x01;
        File.WriteAllBytes(_path, bytes);

        var read = FileJobJournal.Read(_path);

        Assert.That(read.Records, Is.EqualTo(records.Take(records.Count - 1)));
        Assert.That(read.ValidLength, Is.EqualTo(beforeLast));
    }

    [Test]
    public void A_job_read_back_from_its_file_costs_the_latest_record_of_each_instance()
    {
        var spec = TestJobs.Spec([1, 2]);
        using (var journal = FileJobJournal.Create(_path, new JobCreated(spec)))
        {
            journal.Append(new RunStarted(At, 1, "aws:2"));
            journal.Append(new InstanceCostRecorded("i-1", "g5.xlarge", "eu-west-1b", 0.40, At, At.AddMinutes(30), 0.20, false, At.AddMinutes(30)));
            journal.Append(new InstanceCostRecorded("i-2", "g4dn.xlarge", "eu-west-1a", 0.30, At, At.AddMinutes(30), 0.15, false, At.AddMinutes(30)));
            journal.Append(new InstanceCostRecorded("i-1", "g5.xlarge", "eu-west-1b", 0.40, At, At.AddMinutes(60), 0.40, true, At.AddMinutes(61)));
        }

        var state = JobState.Replay(FileJobJournal.Read(_path).Records);

        Assert.That(state.Cost, Is.EqualTo(0.55).Within(1e-9), "i-1's final 0.40 replaces its 0.20, plus i-2's 0.15");
        Assert.That(state.Instances.Keys.Order(), Is.EqualTo(new[] { "i-1", "i-2" }));
        Assert.That(state.Instances["i-1"], Has.Property(nameof(InstanceCostRecorded.Ended)).True.And.Property(nameof(InstanceCostRecorded.Usd)).EqualTo(0.40));
    }

    [Test]
    public void A_new_journal_holds_its_first_record_and_nothing_beside_it()
    {
        var first = new RunStarted(At, 1, "local:1");

        using (var journal = FileJobJournal.Create(_path, first))
        {
            var read = FileJobJournal.Read(_path);

            Assert.That(read.Records, Is.EqualTo(new[] { first }), "readable while the creator still holds it");
            Assert.That(read.ValidLength, Is.GreaterThan(HeaderLength));
            Assert.That(read.TornTailBytes, Is.Zero);
        }

        Assert.That(Directory.GetFiles(_temp.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "journal.bfj" }), "no temporary file is left");
    }

    [Test]
    public void Create_refuses_to_overwrite_an_existing_journal()
    {
        var records = Sample();
        WriteAndMeasure(records);

        var error = Assert.Throws<IOException>(() => FileJobJournal.Create(_path, new RunStarted(At, 2, "local:1")).Dispose());
        Assert.That(error.Message, Does.Contain(_path));
        Assert.That(FileJobJournal.Read(_path).Records, Is.EqualTo(records));
    }

    [TestCase("", TestName = "An empty file is not a journal")]
    [TestCase("BFJOURNAL", TestName = "A file shorter than the header is not a journal")]
    [TestCase("{\"jobs\": []}\n", TestName = "A JSON file is not a journal")]
    [TestCase("BFJOURNAL2\n", TestName = "A journal of another format version is not read")]
    public void A_file_that_is_not_a_journal_is_refused(string content)
    {
        File.WriteAllText(_path, content);

        var error = Assert.Throws<InvalidDataException>(() => FileJobJournal.Read(_path));
        Assert.That(error.Message, Is.EqualTo($"{_path} is not a BlenderFarm job journal."));
        Assert.Throws<InvalidDataException>(() => FileJobJournal.OpenForAppend(_path).Dispose());
        Assert.That(File.ReadAllText(_path), Is.EqualTo(content), "a refused file is left as it was");
    }

    /// <summary>Records that compare by value (a <see cref="JobCreated"/> compares its frame list by reference).</summary>
    private static List<JournalRecord> Sample() =>
    [
        new SlotRetired("local-2", "it stopped answering", At),
        new RunStarted(At, 4242, "local:2"),
        new FrameChanged(1, FrameState.Queued, FrameState.Assigned, At, "local-1", 0, null, null, null),
        new FrameChanged(1, FrameState.Assigned, FrameState.Rendering, At.AddSeconds(1), "local-1", 0, null, null, null),
        new FrameChanged(1, FrameState.Rendering, FrameState.Transferring, At.AddSeconds(9), "local-1", 0, null, 8.5, null),
    ];

    /// <summary>Writes the records; returns the file length before the last record and after it.</summary>
    private (long BeforeLast, long Full) WriteAndMeasure(IReadOnlyList<JournalRecord> records)
    {
        long beforeLast;
        using (var journal = FileJobJournal.Create(_path, records[0]))
        {
            foreach (var record in records.Skip(1).Take(records.Count - 2))
            {
                journal.Append(record);
            }

            beforeLast = new FileInfo(_path).Length;
            journal.Append(records[^1]);
        }

        return (beforeLast, new FileInfo(_path).Length);
    }
}
