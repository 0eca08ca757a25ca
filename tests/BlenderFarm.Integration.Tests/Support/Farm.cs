using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>A <c>blenderfarm serve</c> under test, and what its jobs' journals say about the pool.</summary>
internal static class Farm
{
    /// <summary>Starts the farm with a pool of <paramref name="slots"/> local slots and waits until it answers.</summary>
    public static async Task<RunningCli> StartAsync(Workspace workspace, int slots)
    {
        var endpoint = Path.Combine(workspace.Cli.Home, "run", "endpoint.json");
        if (File.Exists(endpoint))
        {
            File.Delete(endpoint); // a killed farm leaves its endpoint behind
        }
        var farm = workspace.Cli.Start("serve", "--workers", $"local:{slots}", "--transport", "unix");
        await Poll.UntilAsync(() => File.Exists(endpoint) || farm.Process.HasExited, TimeSpan.FromMinutes(1), "the farm writes its endpoint");
        Assert.That(farm.Process.HasExited, Is.False, farm.Stderr);
        return farm;
    }

    public static JobStatusChanged? Completion(string home, string jobId) =>
        new JournalView(home, jobId).Records.OfType<JobStatusChanged>().LastOrDefault(s => s.Status == JobStatus.Completed);

    /// <summary>Waits until every job completed; fails with the farm's log when it does not in time or the farm exits.</summary>
    public static async Task UntilCompletedAsync(RunningCli farm, string home, IReadOnlyCollection<string> jobIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!jobIds.All(id => File.Exists(new JobStore(home).JournalPath(id)) && Completion(home, id) is not null))
        {
            if (DateTime.UtcNow > deadline || farm.Process.HasExited)
            {
                Assert.Fail($"Jobs {string.Join(", ", jobIds)} did not all complete within {timeout.TotalSeconds:0} s; the farm's log:\n{farm.Stderr}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The most frames Blender rendered at the same moment, over every job's journal.</summary>
    public static int MostFramesRenderingAtOnce(string home, IEnumerable<string> jobIds)
    {
        var steps = jobIds.SelectMany(id => new JournalView(home, id).Changes)
            .SelectMany(c => (c.To, c.From) switch
            {
                (FrameState.Rendering, _) => new[] { (c.At, +1) },
                (_, FrameState.Rendering) => [(c.At, -1)],
                _ => [],
            })
            .OrderBy(s => s.At).ThenBy(s => s.Item2); // an end before a start at the same instant
        var now = 0;
        var most = 0;
        foreach (var (_, step) in steps)
        {
            now += step;
            most = Math.Max(most, now);
        }

        return most;
    }
}
