using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Hung is the new dead over SSH: a host or a Blender that stops answering without dying loses its frame to the other host within a minute.</summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class HungHostTests
{
    private static readonly Dictionary<int, int> EachFrameOnce = Enumerable.Range(1, 16).ToDictionary(f => f, _ => 1);

    [Test]
    public async Task A_host_whose_sshd_stops_mid_frame_loses_its_frame_within_a_minute_and_the_other_host_renders_every_frame_once()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var victim = hosts.Hosts[0];
        var (started, journal, output) = await StartAsync(workspace, hosts, "frozenhost", victim);

        using var run = started;
        var hungAt = DateTimeOffset.UtcNow;
        victim.Freeze();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));
        var finishedAfter = DateTimeOffset.UtcNow - hungAt;

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(journal.DoneCounts(), Is.EqualTo(EachFrameOnce), "each frame done exactly once");
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(16));
        var requeued = journal.Changes.Where(c => c.Slot!.StartsWith(victim.Name, StringComparison.Ordinal) && c.To == FrameState.Queued && c.At >= hungAt).ToList();
        Assert.That(requeued, Is.Not.Empty, "the hung host's frame went back to the queue: " + result);
        Assert.That(requeued.Min(c => c.At) - hungAt, Is.LessThan(TimeSpan.FromSeconds(60)), "requeued within a minute of the hang");
        Assert.That(finishedAfter, Is.LessThan(TimeSpan.FromSeconds(120)), "the job did not wait on the hung host");
    }

    [Test]
    public async Task A_stopped_Blender_on_an_ssh_host_is_killed_its_frame_requeued_within_a_minute_and_every_frame_rendered_once()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 2);
        var victim = hosts.Hosts[0];
        // Shorter than the defaults (5 and 15 minutes) so the test takes seconds; the rule is the same.
        workspace.Cli.Environment["BLENDERFARM_STUCK_FLOOR"] = "10";
        workspace.Cli.Environment["BLENDERFARM_FIRST_FRAME_STUCK_LIMIT"] = "30";
        var (started, journal, output) = await StartAsync(workspace, hosts, "stoppedblender", victim);
        using var run = started;
        var blender = SlotProcesses.FindBySlot(victim.Name).Single().Pid;

        var hungAt = DateTimeOffset.UtcNow;
        SlotProcesses.Signal("STOP", blender);
        try
        {
            var result = await run.WaitAsync(TimeSpan.FromMinutes(3));

            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(journal.DoneCounts(), Is.EqualTo(EachFrameOnce), "each frame done exactly once");
            Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(16));
            var stuck = journal.Changes.Where(c => c.Slot!.StartsWith(victim.Name, StringComparison.Ordinal) && c.Detail is not null
                && c.Detail.StartsWith("stuck: no progress", StringComparison.Ordinal)).ToList();
            Assert.That(stuck, Is.Not.Empty, result.ToString());
            Assert.That(stuck[0].To, Is.EqualTo(FrameState.Queued));
            Assert.That(stuck[0].At - hungAt, Is.LessThan(TimeSpan.FromSeconds(60)), "requeued within a minute of the hang");
            await Poll.UntilAsync(() => !SlotProcesses.Exists(blender), TimeSpan.FromSeconds(10), "the stopped Blender on the host was killed");
        }
        finally
        {
            if (SlotProcesses.Exists(blender))
            {
                SlotProcesses.Signal("KILL", blender);
            }
        }
    }

    private static async Task<(RunningCli Run, JournalView Journal, string Output)> StartAsync(Workspace workspace, SshHosts hosts, string jobId, SshHosts.Host victim)
    {
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("frames");
        var journal = new JournalView(workspace.Cli.Home, jobId);
        var run = workspace.Cli.Start("render", scene, "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output, "--job-id", jobId, "--chunk", "2");
        await Poll.UntilAsync(() => File.Exists(Path.Combine(workspace.Cli.Home, "jobs", jobId, "journal.bfj"))
            && journal.DoneCounts().Count >= 2
            && journal.State.Frames.Any(f => f.State == FrameState.Rendering && f.Slot!.StartsWith(victim.Name, StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2), "the first host is rendering and two frames are done");
        return (run, journal, output);
    }
}
