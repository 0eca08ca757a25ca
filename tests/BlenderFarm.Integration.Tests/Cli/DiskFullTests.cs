using System.Diagnostics;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>A full disk pauses the job with one sentence; after space is freed, resume finishes it and loses nothing.</summary>
[Category("Blender")]
[NonParallelizable]
public sealed class DiskFullTests
{
    [Test]
    public async Task A_full_output_disk_pauses_the_job_and_resume_finishes_it_without_losing_frames()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("noisy.blend"),
            new { start = 1, end = 8, width = 320, height = 240, samples = 1 }); // about 50 KB per PNG
        var output = workspace.PathOf("small disk");
        Directory.CreateDirectory(output);
        if (!Mount(output, "size=160k"))
        {
            Assert.Ignore("Mounting a small tmpfs needs root; this machine does not allow it.");
        }

        try
        {
            var first = await workspace.Cli.RunAsync("render", scene, "--workers", "local:1", "--output", output, "--job-id", "full");

            Assert.That(first.ExitCode, Is.EqualTo(4), first.ToString());
            Assert.That(first.Stdout.Trim(), Is.EqualTo($"The disk holding {output} is full: free some space, then run 'blenderfarm resume full'."));
            Assert.That(first.Stderr, Does.Not.Contain("   at "));
            var journal = new JournalView(workspace.Cli.Home, "full");
            Assert.That(journal.State.Status, Is.EqualTo(JobStatus.Paused));
            var doneBefore = journal.State.Frames.Where(f => f.State == FrameState.Done).Select(f => f.Frame).ToList();
            Assert.That(doneBefore, Is.Not.Empty, "frames that fitted were kept");
            Assert.That(journal.State.Frames.Where(f => f.State != FrameState.Done).Select(f => f.State), Has.All.EqualTo(FrameState.Queued),
                "no frame was failed for lack of space");

            Assert.That(Mount(output, "remount,size=4m"), Is.True);
            var resumed = await workspace.Cli.RunAsync("resume", "full");

            Assert.That(resumed.ExitCode, Is.Zero, resumed.ToString());
            Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 8).ToDictionary(f => f, _ => 1)));
            Assert.That(journal.FramesRenderedInRun(2), Has.None.AnyOf(doneBefore.Cast<object>().ToArray()));
            Assert.That(Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(), Is.EqualTo(Enumerable.Range(1, 8).Select(f => $"frame_{f:0000}.png")));
        }
        finally
        {
            Run("umount", output);
        }
    }

    private static bool Mount(string folder, string options) =>
        Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", folder) == 0;

    private static int Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
