using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Tests.Frames;

[TestFixture]
public sealed class FrameTransitionsTests
{
    /// <summary>The frame's life as the design describes it; every other pair is refused.</summary>
    private static readonly (FrameState From, FrameState To, string Why)[] Allowed =
    [
        (FrameState.Queued, FrameState.Assigned, "a slot takes it in a chunk"),
        (FrameState.Assigned, FrameState.Rendering, "Blender begins it"),
        (FrameState.Assigned, FrameState.Queued, "the chunk is handed back unstarted"),
        (FrameState.Rendering, FrameState.Transferring, "Blender wrote it"),
        (FrameState.Rendering, FrameState.Queued, "an attempt failed, retry"),
        (FrameState.Rendering, FrameState.Failed, "the last attempt failed"),
        (FrameState.Transferring, FrameState.Done, "its file verified"),
        (FrameState.Transferring, FrameState.Queued, "its file did not verify, retry"),
        (FrameState.Transferring, FrameState.Failed, "its file did not verify on the last attempt"),
        (FrameState.Done, FrameState.Queued, "resume found its file gone"),
        (FrameState.Failed, FrameState.Queued, "resume retries failed frames"),
        (FrameState.Queued, FrameState.Done, "resume adopted a verified file"),
    ];

    private static IEnumerable<TestCaseData> AllowedCases() =>
        Allowed.Select(t => new TestCaseData(t.From, t.To).SetName($"{t.From} to {t.To} is allowed: {t.Why}"));

    private static IEnumerable<TestCaseData> RefusedCases() =>
        from source in Enum.GetValues<FrameState>()
        from target in Enum.GetValues<FrameState>()
        where !Allowed.Any(a => a.From == source && a.To == target)
        select new TestCaseData(source, target).SetName($"{source} to {target} is refused");

    [TestCaseSource(nameof(AllowedCases))]
    public void Allowed_transition(FrameState from, FrameState to)
    {
        Assert.That(FrameTransitions.IsAllowed(from, to), Is.True);
    }

    [TestCaseSource(nameof(RefusedCases))]
    public void Refused_transition(FrameState from, FrameState to)
    {
        Assert.That(FrameTransitions.IsAllowed(from, to), Is.False);
    }

    [TestCase(FrameState.Done, FrameState.Rendering)]
    [TestCase(FrameState.Queued, FrameState.Rendering)]
    [TestCase(FrameState.Failed, FrameState.Done)]
    [TestCase(FrameState.Assigned, FrameState.Failed)]
    [TestCase(FrameState.Done, FrameState.Failed)]
    [TestCase(FrameState.Rendering, FrameState.Done)]
    public void A_frame_cannot_skip_or_undo_a_step(FrameState from, FrameState to)
    {
        Assert.That(FrameTransitions.IsAllowed(from, to), Is.False);
    }

    [Test]
    public void No_state_may_follow_itself()
    {
        Assert.That(Enum.GetValues<FrameState>().Where(s => FrameTransitions.IsAllowed(s, s)), Is.Empty);
    }

    [Test]
    public void A_slot_holds_a_frame_while_it_is_assigned_rendering_or_transferring()
    {
        Assert.That(FrameTransitions.InFlight, Is.EquivalentTo(new[] { FrameState.Assigned, FrameState.Rendering, FrameState.Transferring }));
    }

    [Test]
    public void Done_and_failed_end_a_frame_in_a_run()
    {
        Assert.That(FrameTransitions.Final, Is.EquivalentTo(new[] { FrameState.Done, FrameState.Failed }));
    }

    [Test]
    public void Within_a_run_final_frames_go_nowhere_but_back_to_the_queue_on_resume()
    {
        var exits = from state in FrameTransitions.Final
                    from to in Enum.GetValues<FrameState>()
                    where FrameTransitions.IsAllowed(state, to)
                    select to;

        Assert.That(exits.Distinct(), Is.EqualTo(new[] { FrameState.Queued }));
    }

    [Test]
    public void Frame_state_values_are_a_stable_file_format()
    {
        var values = Enum.GetValues<FrameState>().ToDictionary(s => s.ToString(), s => (int)s);

        Assert.That(values, Is.EqualTo(new Dictionary<string, int>
        {
            ["Queued"] = 0, ["Assigned"] = 1, ["Rendering"] = 2, ["Transferring"] = 3, ["Done"] = 4, ["Failed"] = 5,
        }));
    }
}
