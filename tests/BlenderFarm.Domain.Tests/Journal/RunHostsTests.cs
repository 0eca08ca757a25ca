using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Journal;

/// <summary>Each run journals the worker hosts it made ready with their Blender versions; the job shows its latest run's.</summary>
[TestFixture]
public sealed class RunHostsTests
{
    private static readonly DateTimeOffset At = TestJobs.CreatedAt.AddMinutes(1);

    [Test]
    public void A_runs_hosts_and_their_Blender_versions_read_back_from_the_journal_file()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("journal.bfj");
        WorkerHost[] hosts = [new("render@gpu1", "4.3.2", 2), new("render@10.0.0.7:2222", "5.2.2 LTS", 1)];
        using (var journal = FileJobJournal.Create(path, new JobCreated(TestJobs.Spec(TestJobs.Frames(1, 4)))))
        {
            journal.Append(new RunStarted(At, 42, "ssh:hosts.txt", hosts));
        }

        var state = JobState.Replay(FileJobJournal.Read(path).Records);

        Assert.That(state.Hosts, Is.EqualTo(hosts));
    }

    [Test]
    public void A_later_run_on_local_slots_has_no_hosts_and_one_without_the_field_reads_as_none()
    {
        var state = JobState.New(TestJobs.Spec(TestJobs.Frames(1, 4)));
        state.Apply(new RunStarted(At, 42, "ssh:hosts.txt", [new WorkerHost("render@gpu1", "4.3.2", 2)]));
        Assert.That(state.Hosts, Has.Count.EqualTo(1));

        state.Apply(new RunStarted(At.AddHours(1), 43, "local:2"));

        Assert.That(state.Hosts, Is.Empty);
    }
}
