using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>jobs, status and cancel, against real jobs.</summary>
[Category("Blender")]
public sealed class JobVerbsTests
{
    [Test]
    public async Task Jobs_and_status_describe_a_finished_job()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        Assert.That((await workspace.Cli.RunAsync("render", scene, "--frames", "1-3", "--workers", "local:1", "--output", workspace.PathOf("out"), "--job-id", "job-a")).ExitCode, Is.Zero);

        var jobs = await workspace.Cli.RunAsync("jobs");
        var status = await workspace.Cli.RunAsync("status", "job");

        Assert.That(jobs.ExitCode, Is.Zero, jobs.ToString());
        Assert.That(jobs.Stdout, Does.Match(@"job-a\s+completed\s+3/3\s+.*tiny\.blend"));
        Assert.That(status.ExitCode, Is.Zero, status.ToString());
        Assert.That(status.Stdout, Does.Contain("Job job-a: completed").And.Contain("Done 3, failed 0, queued 0, in flight 0").And.Contain("64x48 PNG"));
    }

    [Test]
    public async Task Cancel_stops_a_running_job_keeps_its_done_frames_and_resume_finishes_it()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("out");
        var journal = new JournalView(workspace.Cli.Home, "job-c");
        using var run = await RenderUntilDoneAsync(workspace, journal, "job-c", 2, "render", scene, "--workers", "local:2", "--output", output, "--job-id", "job-c");
        var endpoint = Path.Combine(workspace.Cli.Home, "jobs", "job-c", "run-endpoint.json");
        Assert.That(File.Exists(endpoint), Is.True, "the render listens for stop requests while it renders");

        var cancel = await workspace.Cli.RunAsync("cancel", "job-c");
        var rendered = await run.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.That(cancel.ExitCode, Is.Zero, cancel.ToString());
        Assert.That(cancel.Stdout, Does.Contain("Job job-c is cancelled"));
        Assert.That(rendered.ExitCode, Is.EqualTo(3), rendered.ToString());
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Cancelled));
        Assert.That(journal.State.StatusReason, Is.EqualTo("cancelled by the user"));
        Assert.That(File.Exists(endpoint), Is.False, "the endpoint is withdrawn when the run ends");
        Assert.That(journal.State.Frames.Where(f => f.State != FrameState.Done).Select(f => f.State), Has.All.EqualTo(FrameState.Queued),
            "frames in flight went back to the queue");
        await SlotProcesses.WaitUntilGoneAsync(scene, TimeSpan.FromSeconds(10));
        var done = journal.State.Frames.Where(f => f.State == FrameState.Done).Select(f => $"frame_{f.Frame:0000}.png").Order().ToList();
        Assert.That(Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(), Is.EqualTo(done), "done frames stay, nothing else is left behind");

        var resumed = await workspace.Cli.RunAsync("resume", "job-c", "--workers", "local:2");

        Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 16).ToDictionary(f => f, _ => 1)));
    }

    [Test]
    public async Task Pause_from_another_process_pauses_a_render_which_exits_4_with_its_done_frames_kept()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var output = workspace.PathOf("out");
        var journal = new JournalView(workspace.Cli.Home, "job-p");
        using var run = await RenderUntilDoneAsync(workspace, journal, "job-p", 1,
            "render", scene, "--frames", "1-8", "--workers", "local:1", "--output", output, "--job-id", "job-p");

        var pause = await workspace.Cli.RunAsync("pause", "job-p");
        var rendered = await run.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.That(pause.ExitCode, Is.Zero, pause.ToString());
        Assert.That(pause.Stdout, Does.Contain("Job job-p is paused"));
        Assert.That(rendered.ExitCode, Is.EqualTo(4), rendered.ToString());
        Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Paused));
        Assert.That(journal.State.StatusReason, Is.EqualTo("paused by the user"));
        var done = journal.State.Frames.Where(f => f.State == FrameState.Done).Select(f => $"frame_{f.Frame:0000}.png").Order().ToList();
        Assert.That(done, Is.Not.Empty);
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(done), "done frames stay");
        Assert.That(journal.State.Frames.Where(f => f.State != FrameState.Done).Select(f => f.State), Has.All.EqualTo(FrameState.Queued));
    }

    [Test]
    public async Task A_job_being_rendered_cannot_be_resumed_twice()
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Slow, workspace);
        var journal = new JournalView(workspace.Cli.Home, "job-b");
        using var run = workspace.Cli.Start("render", scene, "--frames", "1-4", "--workers", "local:1", "--output", workspace.PathOf("out"), "--job-id", "job-b");
        await Poll.UntilAsync(() => File.Exists(workspace.Cli.Home + "/jobs/job-b/journal.bfj") && journal.State.Runs == 1, TimeSpan.FromMinutes(1), "the job runs");

        var second = await workspace.Cli.RunAsync("resume", "job-b");

        Assert.That(second.ExitCode, Is.EqualTo(5), second.ToString());
        Assert.That(second.Stderr.Trim(), Is.EqualTo("blenderfarm: Job job-b is being rendered by another blenderfarm process; 'blenderfarm status job-b' shows its progress."));
        Assert.That((await run.WaitAsync(TimeSpan.FromMinutes(2))).ExitCode, Is.Zero);
    }

    /// <summary>Starts the CLI and returns once <paramref name="frames"/> frames of the job are done.</summary>
    private static async Task<RunningCli> RenderUntilDoneAsync(Workspace workspace, JournalView journal, string jobId, int frames, params string[] arguments)
    {
        var run = workspace.Cli.Start(arguments);
        try
        {
            await Poll.UntilAsync(() => File.Exists(Path.Combine(workspace.Cli.Home, "jobs", jobId, "journal.bfj")) && journal.DoneCounts().Count >= frames,
                TimeSpan.FromMinutes(2), $"{frames} frame(s) done");
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }
}
