using System.Diagnostics;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Domain.Tests.Journal;

[TestFixture]
public sealed class JobStoreTests
{
    private const string JobId = "20250314-090000-ab12";

    private TempFolder _temp = null!;
    private JobStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _temp = new TempFolder();
        _store = new JobStore(_temp.Path);
    }

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public async Task Asking_whether_a_job_is_taken_never_makes_this_process_fail_to_take_it()
    {
        // The farm's queue starts a job's run while the same process describes that job (a queued job reads as
        // Running, so describing it asks whether someone holds it): the question must never look like a holder.
        using (_store.Create(TestJobs.Spec([1, 2, 3], jobId: JobId)))
        {
        }

        using var stop = new CancellationTokenSource();
        var asking = Task.Run(() =>
        {
            var asked = 0;
            while (!stop.IsCancellationRequested)
            {
                _ = _store.IsTaken(JobId);
                asked++;
            }

            return asked;
        });
        var refused = 0;
        for (var i = 0; i < 300; i++)
        {
            using var lease = _store.TryTake(JobId);
            refused += lease is null ? 1 : 0;
        }

        await stop.CancelAsync();
        Assert.That(await asking, Is.GreaterThan(0), "the question was asked meanwhile");
        Assert.That(refused, Is.Zero, "takes refused while another thread of this process only asked");
    }

    [Test]
    public void Create_writes_the_job_and_holds_it()
    {
        var spec = TestJobs.Spec([1, 2, 3], jobId: JobId);

        using var lease = _store.Create(spec);

        Assert.That(lease.JobId, Is.EqualTo(JobId));
        Assert.That(_store.JobIds(), Is.EqualTo(new[] { JobId }));
        Assert.That(File.Exists(_store.JournalPath(JobId)), Is.True);
        var state = _store.Read(JobId);
        Assert.That(state.Spec.Frames, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(state.Spec with { Frames = spec.Frames }, Is.EqualTo(spec));
        Assert.That(_store.IsTaken(JobId), Is.True);
    }

    [Test]
    public void While_a_lease_is_held_the_same_process_cannot_take_the_job_again()
    {
        using var lease = _store.Create(TestJobs.Spec([1], jobId: JobId));

        Assert.That(_store.TryTake(JobId), Is.Null);
        Assert.That(_store.IsTaken(JobId), Is.True);
        var error = Assert.Throws<InvalidOperationException>(() => _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose());
        Assert.That(error.Message, Is.EqualTo($"Job {JobId} is already taken."));
    }

    [Test]
    public void A_job_this_store_does_not_have_is_not_taken_and_probing_it_creates_nothing()
    {
        Assert.That(_store.IsTaken("20261124-000000-none"), Is.False);
        Assert.That(Directory.Exists(_store.JobFolder("20261124-000000-none")), Is.False);
    }

    [Test]
    public void Disposing_the_lease_frees_the_job_for_the_next_run()
    {
        _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose();

        Assert.That(_store.IsTaken(JobId), Is.False);
        using var lease = _store.TryTake(JobId);
        Assert.That(lease, Is.Not.Null);
        Assert.That(_store.TryTake(JobId), Is.Null, "the second run's lease holds the job in turn");
    }

    [Test]
    public void Asking_whether_a_job_is_taken_does_not_take_it()
    {
        _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose();

        Assert.That(_store.IsTaken(JobId), Is.False);
        Assert.That(_store.IsTaken(JobId), Is.False);
        using var lease = _store.TryTake(JobId);
        Assert.That(lease, Is.Not.Null);
    }

    [Test]
    public void A_leased_journal_appends_after_the_creation_and_a_reader_sees_each_record_at_once()
    {
        using var lease = _store.Create(TestJobs.Spec([1], jobId: JobId));
        var at = TestJobs.CreatedAt.AddMinutes(1);

        lease.Journal.Append(new RunStarted(at, 321, "local:1"));

        var state = _store.Read(JobId);
        Assert.That(state.Runs, Is.EqualTo(1));
        Assert.That(state.LastRunProcessId, Is.EqualTo(321));
    }

    [Test]
    public void A_lease_taken_after_a_crash_mid_append_continues_the_journal_cleanly()
    {
        using (var lease = _store.Create(TestJobs.Spec([1], jobId: JobId)))
        {
            lease.Journal.Append(new RunStarted(TestJobs.CreatedAt, 1, "local:1"));
        }

        var path = _store.JournalPath(JobId);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^5]);
        Assert.That(_store.Read(JobId).Runs, Is.Zero, "the torn record is ignored");

        using (var lease = _store.TryTake(JobId))
        {
            lease!.Journal.Append(new RunStarted(TestJobs.CreatedAt.AddHours(1), 2, "local:1"));
        }

        Assert.That(FileJobJournal.Read(path).TornTailBytes, Is.Zero);
        Assert.That(_store.Read(JobId).LastRunProcessId, Is.EqualTo(2));
    }

    [Test]
    [Platform("Linux")]
    public void A_job_held_by_another_process_cannot_be_taken_until_that_process_dies()
    {
        _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose();
        Assume.That(File.Exists("/usr/bin/flock"), "util-linux flock is needed to hold the lock from another process");
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock")
        {
            ArgumentList = { "--nonblock", "--no-fork", Path.Combine(_store.JobFolder(JobId), "lock"), "sh", "-c", "echo locked; exec cat" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        try
        {
            Assert.That(holder.StandardOutput.ReadLine(), Is.EqualTo("locked"));

            Assert.That(_store.TryTake(JobId), Is.Null);
            Assert.That(_store.IsTaken(JobId), Is.True);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            holder.WaitForExit();
        }

        using var lease = _store.TryTake(JobId);
        Assert.That(lease, Is.Not.Null, "the OS dropped the dead process's lock");
    }

    [Test]
    public void A_job_exists_once_its_journal_does_and_its_stamp_changes_when_the_journal_grows()
    {
        Assert.That(_store.Exists(JobId), Is.False);
        Assert.That(_store.JournalStamp(JobId).Length, Is.EqualTo(-1));

        using var lease = _store.Create(TestJobs.Spec([1, 2], jobId: JobId));
        var created = _store.JournalStamp(JobId);
        lease.Journal.Append(new JobStatusChanged(JobStatus.Paused, TestJobs.CreatedAt, "paused by the user"));

        Assert.That(_store.Exists(JobId), Is.True);
        Assert.That(_store.JournalStamp(JobId), Is.Not.EqualTo(created));
    }

    [Test]
    public void Resolve_finds_a_job_by_a_unique_start_of_its_id()
    {
        CreateJobs("20250314-090000-aaaa", "20250314-090000-aaab", "20250315-120000-ffff");

        Assert.That(_store.Resolve("20250315"), Is.EqualTo("20250315-120000-ffff"));
        Assert.That(_store.Resolve("20250314-090000-aaab"), Is.EqualTo("20250314-090000-aaab"));
    }

    [Test]
    public void Resolve_refuses_an_ambiguous_prefix_and_says_how_many_match()
    {
        CreateJobs("20250314-090000-aaaa", "20250314-090000-aaab", "20250315-120000-ffff");

        var error = Assert.Throws<KeyNotFoundException>(() => _store.Resolve("20250314"));
        Assert.That(error.Message, Is.EqualTo("'20250314' matches 2 jobs: give more of the id."));
    }

    [Test]
    public void Resolve_prefers_an_exact_id_that_is_also_the_start_of_another()
    {
        CreateJobs("shot1", "shot10");

        Assert.That(_store.Resolve("shot1"), Is.EqualTo("shot1"));
    }

    [Test]
    public void Resolve_names_an_unknown_id_and_where_to_look()
    {
        CreateJobs("20250314-090000-aaaa");

        var error = Assert.Throws<KeyNotFoundException>(() => _store.Resolve("2099"));
        Assert.That(error.Message, Is.EqualTo("There is no job '2099': 'blenderfarm jobs' lists them."));
    }

    [TestCase("last")]
    [TestCase(null)]
    public void Resolve_last_or_nothing_gives_the_newest_job(string? idOrPrefix)
    {
        CreateJobs("20250315-120000-ffff", "20250314-090000-aaaa", "20251201-000000-0000");

        Assert.That(_store.Resolve(idOrPrefix), Is.EqualTo("20251201-000000-0000"));
    }

    [Test]
    public void Resolve_in_an_empty_store_says_there_are_no_jobs_and_where()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => _store.Resolve("last"));
        Assert.That(error.Message, Is.EqualTo($"There are no jobs yet in {_store.JobsFolder}."));
    }

    [Test]
    public void A_folder_without_a_journal_is_not_a_job()
    {
        CreateJobs("20250314-090000-aaaa");
        Directory.CreateDirectory(_store.JobFolder("20250316-000000-dead"));

        Assert.That(_store.JobIds(), Is.EqualTo(new[] { "20250314-090000-aaaa" }));
        Assert.That(_store.Resolve("last"), Is.EqualTo("20250314-090000-aaaa"));
    }

    [Test]
    public void New_job_ids_sort_by_submission_time_and_differ_within_a_second()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 3, 14, 9, 5, 7, TimeSpan.Zero));

        var ids = Enumerable.Range(0, 20).Select(_ => JobStore.NewJobId(time)).ToList();

        Assert.That(ids, Has.All.Match("^20250314-090507-[0-9a-f]{4}$"));
        Assert.That(ids.Distinct().Count(), Is.GreaterThan(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(string.CompareOrdinal(JobStore.NewJobId(time), ids.Max()), Is.GreaterThan(0));
    }

    [Test]

    public void Creating_a_job_whose_journal_exists_fails_and_leaves_the_job_free()
    {
        _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose();

        Assert.Throws<IOException>(() => _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose());

        Assert.That(_store.IsTaken(JobId), Is.False);
        using var lease = _store.TryTake(JobId);
        Assert.That(lease, Is.Not.Null);
    }

    [Test]

    public void Taking_a_job_whose_journal_is_unreadable_fails_and_leaves_the_job_free()
    {
        _store.Create(TestJobs.Spec([1], jobId: JobId)).Dispose();
        File.WriteAllText(_store.JournalPath(JobId), "not a journal");

        Assert.Throws<InvalidDataException>(() => _store.TryTake(JobId)?.Dispose());

        Assert.That(_store.IsTaken(JobId), Is.False);
    }

    private void CreateJobs(params string[] ids)
    {
        foreach (var id in ids)
        {
            _store.Create(TestJobs.Spec([1], jobId: id)).Dispose();
        }
    }
}
