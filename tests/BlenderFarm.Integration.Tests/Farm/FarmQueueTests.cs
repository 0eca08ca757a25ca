using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Farm;

/// <summary>
/// <c>blenderfarm serve</c> runs a queue of jobs on one pool of local slots, by priority; the queue verbs talk to it.
/// Real Blender, real journals, real processes.
/// </summary>
[Category("Blender")]
public sealed class FarmQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    [Test]
    public async Task Three_jobs_finish_in_priority_order_every_frame_once_on_a_pool_that_never_exceeds_its_slots()
    {
        using var workspace = new Workspace();
        var scenes = new[] { "low", "high", "mid" };
        var files = new Dictionary<string, string>();
        foreach (var name in scenes)
        {
            files[name] = await Scenes.CopyAsync(Scenes.Tiny, workspace, name);
        }

        using var farm = await Support.Farm.StartAsync(workspace, slots: 2);
        var priorities = new Dictionary<string, string> { ["low"] = "1", ["high"] = "9", ["mid"] = "5" };
        foreach (var name in scenes)
        {
            var submitted = await workspace.Cli.RunAsync("submit", files[name], "--priority", priorities[name], "--paused", "--chunk", "2",
                "--frames", "1-6", "--job-id", name, "--output", workspace.PathOf(name + "-frames"));
            Assert.That(submitted.ExitCode, Is.Zero, submitted.ToString());
            Assert.That(submitted.Stdout, Does.Contain($"Job {name} queued with priority {priorities[name]} (paused): 6 frames"));
        }

        var queue = await workspace.Cli.RunAsync("queue");
        Assert.That(queue.ExitCode, Is.Zero, queue.ToString());
        var order = queue.Stdout.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).ToList();
        Assert.That(order, Is.EqualTo(new[] { "high", "mid", "low" }), queue.Stdout);

        var resumed = await workspace.Cli.RunAsync("resume", "low", "mid", "high");
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        await Support.Farm.UntilCompletedAsync(farm, workspace.Cli.Home, scenes, Patience);

        var finished = scenes.OrderBy(name => Support.Farm.Completion(workspace.Cli.Home, name)!.At).ToList();
        Assert.That(finished, Is.EqualTo(new[] { "high", "mid", "low" }), "the jobs finished in priority order");
        foreach (var name in scenes)
        {
            var journal = new JournalView(workspace.Cli.Home, name);
            Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)), $"{name}: each frame done exactly once");
            Assert.That(Directory.GetFiles(workspace.PathOf(name + "-frames")).Select(Path.GetFileName).Order(),
                Is.EqualTo(Enumerable.Range(1, 6).Select(f => $"frame_{f:0000}.png")));
            Assert.That(journal.Changes.Select(c => c.Slot).OfType<string>().Distinct(), Has.All.Matches<string>(s => s.StartsWith("local-1", StringComparison.Ordinal) || s.StartsWith("local-2", StringComparison.Ordinal)),
                $"{name} rendered on the pool's two places only");
        }

        Assert.That(Support.Farm.MostFramesRenderingAtOnce(workspace.Cli.Home, scenes), Is.InRange(1, 2), "the pool never rendered more frames at once than its two slots");
    }

    [Test]
    public async Task A_higher_priority_job_submitted_mid_run_takes_the_slots_as_they_finish_their_chunks()
    {
        using var workspace = new Workspace();
        var slow = await Scenes.CopyAsync(Scenes.Slow, workspace, "slow");
        var tiny = await Scenes.CopyAsync(Scenes.Tiny, workspace, "tiny");
        using var farm = await Support.Farm.StartAsync(workspace, slots: 2);
        var low = new JournalView(workspace.Cli.Home, "low");

        var first = await workspace.Cli.RunAsync("submit", slow, "--priority", "0", "--chunk", "2", "--job-id", "low", "--output", workspace.PathOf("low-frames"));
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        await Poll.UntilAsync(() => low.DoneCounts().Count >= 2, Patience, "the low-priority job has two frames done");

        // The low job's Blenders are held (SIGSTOP) while the high job is submitted, so however fast this machine
        // renders, the low job is still mid-run when the high one arrives; they go on at once after.
        var held = SlotProcesses.Find(slow);
        Assert.That(held, Is.Not.Empty, "the low job's Blenders are running");
        foreach (var (pid, _) in held)
        {
            SlotProcesses.Signal("STOP", pid);
        }

        CliResult second;
        int doneWhenQueued;
        try
        {
            second = await workspace.Cli.RunAsync("submit", tiny, "--priority", "10", "--chunk", "2", "--frames", "1-6", "--job-id", "high", "--output", workspace.PathOf("high-frames"));
            doneWhenQueued = low.DoneCounts().Count;
        }
        finally
        {
            foreach (var (pid, _) in held)
            {
                SlotProcesses.Signal("CONT", pid);
            }
        }

        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        Assert.That(doneWhenQueued, Is.LessThan(16), "the low job was still rendering when the high one was queued");
        await Support.Farm.UntilCompletedAsync(farm, workspace.Cli.Home, ["low", "high"], Patience);

        var high = new JournalView(workspace.Cli.Home, "high");
        Assert.That(Support.Farm.Completion(workspace.Cli.Home, "high")!.At, Is.LessThan(Support.Farm.Completion(workspace.Cli.Home, "low")!.At), "the high-priority job finished first");
        Assert.That(low.Records.OfType<Domain.Journal.SlotRetired>().Select(r => r.Reason), Has.Some.Contains("higher priority"),
            "the low job gave its slots back");
        Assert.That(low.Changes.Where(c => c.From == FrameState.Rendering && c.To == FrameState.Queued), Is.Empty,
            "no frame of the low job was stopped while Blender rendered it: slots moved at chunk boundaries");
        Assert.That(Support.Farm.MostFramesRenderingAtOnce(workspace.Cli.Home, ["low", "high"]), Is.InRange(1, 2));
        Assert.That(low.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 16).ToDictionary(f => f, _ => 1)));
        Assert.That(high.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
    }

    [Test]
    public async Task A_job_with_only_its_last_frame_in_flight_hands_its_idle_slot_to_the_waiting_job_which_renders_meanwhile()
    {
        using var workspace = new Workspace();
        var slow = await Scenes.CopyAsync(Scenes.Slow, workspace, "slow");
        var tiny = await Scenes.CopyAsync(Scenes.Tiny, workspace, "tiny");
        using var farm = await Support.Farm.StartAsync(workspace, slots: 2);
        var first = new JournalView(workspace.Cli.Home, "first");
        var submitted = await workspace.Cli.RunAsync("submit", slow, "--priority", "5", "--chunk", "1", "--frames", "1-5", "--job-id", "first", "--output", workspace.PathOf("first-frames"));
        Assert.That(submitted.ExitCode, Is.Zero, submitted.ToString());
        await Poll.UntilAsync(() => first.State.Count(FrameState.Rendering) == 2, Patience, "both slots render a frame of the first job");

        // Both of the first job's Blenders are held (SIGSTOP): it still has frames to start, so the second job waits.
        var held = SlotProcesses.Find(slow);
        Assert.That(held, Has.Count.EqualTo(2), "one Blender per slot");
        var stillHeld = held[1];
        try
        {
            foreach (var (pid, _) in held)
            {
                SlotProcesses.Signal("STOP", pid);
            }

            var second = await workspace.Cli.RunAsync("submit", tiny, "--priority", "1", "--chunk", "1", "--frames", "1-4", "--job-id", "second", "--output", workspace.PathOf("second-frames"));
            Assert.That(second.ExitCode, Is.Zero, second.ToString());
            var status = await workspace.Cli.RunAsync("status", "second");
            Assert.That(status.Stdout, Does.StartWith("Job second: queued"), status.ToString());
            var queue = await workspace.Cli.RunAsync("queue");
            Assert.That(queue.Stdout, Does.Match(@"second\s+priority\s+1\s+waiting"), queue.ToString());

            // One Blender goes on: it finishes its frame and the ones left to start, then idles while the other still
            // holds its frame. The idle slot's place goes to the second job, which completes meanwhile.
            SlotProcesses.Signal("CONT", held[0].Pid);
            await Support.Farm.UntilCompletedAsync(farm, workspace.Cli.Home, ["second"], Patience);
            Assert.That(SlotProcesses.Exists(stillHeld.Pid), Is.True);
            Assert.That(first.State.Frames.Count(f => f.State != FrameState.Done), Is.EqualTo(1), "the first job's last frame was still in flight while the second job rendered");
        }
        finally
        {
            SlotProcesses.Signal("CONT", stillHeld.Pid);
        }

        await Support.Farm.UntilCompletedAsync(farm, workspace.Cli.Home, ["first"], Patience);
        var secondJob = new JournalView(workspace.Cli.Home, "second");
        var handedOn = first.Records.OfType<Domain.Journal.SlotRetired>().Select(r => (r.Slot, r.Reason)).ToList();
        Assert.That(handedOn, Has.Count.EqualTo(1).And.Some.Matches<(string Slot, string Reason)>(r => r.Reason.Contains("next job in its queue", StringComparison.Ordinal)),
            "the first job gave its idle slot back");
        Assert.That(secondJob.Changes.Select(c => c.Slot).OfType<string>().Distinct(), Is.EqualTo(new[] { handedOn[0].Slot }),
            "the second job rendered on the place the first job handed on");
        Assert.That(first.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 5).ToDictionary(f => f, _ => 1)));
        Assert.That(secondJob.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 4).ToDictionary(f => f, _ => 1)));
        Assert.That(Support.Farm.MostFramesRenderingAtOnce(workspace.Cli.Home, ["first", "second"]), Is.InRange(1, 2), "the pool never rendered more frames at once than its two slots");
    }

    [Test]
    public async Task A_job_whose_scene_was_deleted_before_its_turn_stays_in_the_queue_as_failed_with_the_reason()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace, "gone");
        using var farm = await Support.Farm.StartAsync(workspace, slots: 1);
        var submitted = await workspace.Cli.RunAsync("submit", scene, "--paused", "--frames", "1-2", "--job-id", "gone", "--output", workspace.PathOf("gone-frames"));
        Assert.That(submitted.ExitCode, Is.Zero, submitted.ToString());
        File.Delete(scene);

        var resumed = await workspace.Cli.RunAsync("resume", "gone");
        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        var journal = new JournalView(workspace.Cli.Home, "gone");
        await Poll.UntilAsync(() => journal.State.Status == JobStatus.Failed, Patience, "the job's run failed to start");

        var why = $"The job's scene {scene} is gone: put it back to resume job gone.";
        var queue = await workspace.Cli.RunAsync("queue");
        Assert.That(queue.ExitCode, Is.Zero, queue.ToString());
        Assert.That(queue.Stdout, Does.Match(@"gone\s+priority\s+0\s+failed").And.Contain("\n  " + why + "\n"), queue.Stdout);
        var status = await workspace.Cli.RunAsync("status", "gone");
        Assert.That(status.Stdout, Does.StartWith($"Job gone: failed ({why})"), status.ToString());
        Assert.That(farm.Process.HasExited, Is.False, "the farm goes on");
    }

    [Test]
    public async Task Killing_the_farm_mid_queue_then_starting_it_again_completes_every_job_without_rendering_a_done_frame_again()
    {
        using var workspace = new Workspace();
        var slow = await Scenes.CopyAsync(Scenes.Slow, workspace, "slow");
        var tiny = await Scenes.CopyAsync(Scenes.Tiny, workspace, "tiny");
        var first = new JournalView(workspace.Cli.Home, "first");
        using (var farm = await Support.Farm.StartAsync(workspace, slots: 2))
        {
            Assert.That((await workspace.Cli.RunAsync("submit", slow, "--priority", "5", "--job-id", "first", "--output", workspace.PathOf("first-frames"))).ExitCode, Is.Zero);
            Assert.That((await workspace.Cli.RunAsync("submit", tiny, "--priority", "1", "--frames", "1-6", "--job-id", "second", "--output", workspace.PathOf("second-frames"))).ExitCode, Is.Zero);
            await Poll.UntilAsync(() => first.DoneCounts().Count >= 3, Patience, "three frames of the first job are done");
            farm.Process.Kill(); // SIGKILL: no chance to pause or journal anything more
            await farm.Process.WaitForExitAsync();
        }

        await SlotProcesses.WaitUntilGoneAsync(slow, TimeSpan.FromSeconds(30));
        var doneBefore = first.State.Frames.Where(f => f.State == FrameState.Done).Select(f => f.Frame).ToList();
        Assert.That(first.State.Status, Is.EqualTo(JobStatus.Running), "the journal still says running: the farm died");

        using var restarted = await Support.Farm.StartAsync(workspace, slots: 2);
        await Support.Farm.UntilCompletedAsync(restarted, workspace.Cli.Home, ["first", "second"], Patience);

        var second = new JournalView(workspace.Cli.Home, "second");
        Assert.That(first.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 16).ToDictionary(f => f, _ => 1)), "no frame counted twice");
        Assert.That(second.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
        Assert.That(first.FramesRenderedInRun(2), Has.None.AnyOf(doneBefore.Cast<object>().ToArray()), "the restarted farm rendered none of the verified frames");
        Assert.That(Directory.GetFiles(workspace.PathOf("first-frames")).Select(Path.GetFileName).Order(), Is.EqualTo(Enumerable.Range(1, 16).Select(f => $"frame_{f:0000}.png")));
    }
}
