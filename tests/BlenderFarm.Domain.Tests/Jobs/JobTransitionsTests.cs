using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Tests.Fakes;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Jobs;

[TestFixture]
public sealed class JobTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A job's life as the design describes it; every other pair is refused.</summary>
    private static readonly (JobStatus From, JobStatus To, string Why)[] Allowed =
    [
        (JobStatus.Running, JobStatus.Running, "a run starts, or a crashed run is resumed"),
        (JobStatus.Running, JobStatus.Completed, "every frame is done"),
        (JobStatus.Running, JobStatus.Failed, "frames failed every attempt"),
        (JobStatus.Running, JobStatus.Cancelled, "the user cancelled it"),
        (JobStatus.Running, JobStatus.Paused, "Ctrl+C, a full disk or the money limit"),
        (JobStatus.Completed, JobStatus.Running, "resume found a done frame's file gone"),
        (JobStatus.Failed, JobStatus.Running, "resume retries failed frames"),
        (JobStatus.Paused, JobStatus.Running, "resume carries on"),
        (JobStatus.Cancelled, JobStatus.Running, "resume of a cancelled job"),
        (JobStatus.Failed, JobStatus.Cancelled, "cancel while nobody renders it"),
        (JobStatus.Paused, JobStatus.Cancelled, "cancel while nobody renders it"),
        (JobStatus.Running, JobStatus.Queued, "a new job joins the farm's queue, or a crashed run's job waits in it again"),
        (JobStatus.Paused, JobStatus.Queued, "resumed into the farm's queue"),
        (JobStatus.Failed, JobStatus.Queued, "resumed into the farm's queue"),
        (JobStatus.Cancelled, JobStatus.Queued, "resumed into the farm's queue"),
        (JobStatus.Queued, JobStatus.Running, "the farm starts its run"),
        (JobStatus.Queued, JobStatus.Paused, "paused while it waits"),
        (JobStatus.Queued, JobStatus.Cancelled, "cancelled while it waits"),
        (JobStatus.Queued, JobStatus.Failed, "its run could not start"),
    ];

    private static IEnumerable<TestCaseData> AllowedCases() =>
        Allowed.Select(t => new TestCaseData(t.From, t.To).SetName($"{t.From} to {t.To} is allowed: {t.Why}"));

    private static IEnumerable<TestCaseData> RefusedCases() =>
        from source in Enum.GetValues<JobStatus>()
        from target in Enum.GetValues<JobStatus>()
        where !Allowed.Any(a => a.From == source && a.To == target)
        select new TestCaseData(source, target).SetName($"{source} to {target} is refused");

    [TestCaseSource(nameof(AllowedCases))]
    public void Allowed_transition(JobStatus from, JobStatus to)
    {
        Assert.That(JobTransitions.IsAllowed(from, to), Is.True);
    }

    [TestCaseSource(nameof(RefusedCases))]
    public void Refused_transition(JobStatus from, JobStatus to)
    {
        Assert.That(JobTransitions.IsAllowed(from, to), Is.False);
    }

    [Test]
    public void A_status_change_is_journaled_then_applied_and_announced()
    {
        var spec = TestJobs.Spec([1, 2]);
        var journal = new InMemoryJobJournal(spec);
        var state = JobState.New(spec);
        var announced = new List<JobStatusChanged>();
        state.StatusChanged += announced.Add;

        var record = state.ChangeStatus(journal, JobStatus.Paused, T0, "stopped by the user (Ctrl+C)");

        Assert.That(journal.Records[^1], Is.EqualTo(new JobStatusChanged(JobStatus.Paused, T0, "stopped by the user (Ctrl+C)")));
        Assert.That(record, Is.EqualTo(journal.Records[^1]));
        Assert.That((state.Status, state.StatusReason, state.StatusChangedAt), Is.EqualTo((JobStatus.Paused, "stopped by the user (Ctrl+C)", (DateTimeOffset?)T0)));
        Assert.That(announced, Is.EqualTo(new[] { record }));
    }

    [Test]
    public void A_refused_status_change_journals_nothing_and_leaves_the_job_as_it_was()
    {
        var spec = TestJobs.Spec([1]);
        var journal = new InMemoryJobJournal(spec);
        var state = JobState.New(spec);
        state.ChangeStatus(journal, JobStatus.Completed, T0, null);

        var refused = Assert.Throws<JobTransitionException>(() => state.ChangeStatus(journal, JobStatus.Cancelled, T0.AddMinutes(1), "cancelled by the user"));

        Assert.That(refused!.Message, Is.EqualTo("Job 20250314-090000-ab12 cannot go from completed to cancelled."));
        Assert.That(journal.Records, Has.Count.EqualTo(2), "the job's creation and its completion only");
        Assert.That(state.Status, Is.EqualTo(JobStatus.Completed));
    }

    [Test]
    public void A_journal_whose_status_change_breaks_the_rules_is_refused_on_replay()
    {
        var spec = TestJobs.Spec([1]);
        var records = new JournalRecord[]
        {
            new JobCreated(spec),
            new JobStatusChanged(JobStatus.Completed, T0, null),
            new JobStatusChanged(JobStatus.Paused, T0.AddMinutes(1), "disk full"),
        };

        var refused = Assert.Throws<InvalidDataException>(() => JobState.Replay(records));

        Assert.That(refused!.Message, Does.Contain("from Completed to Paused"));
    }
}
