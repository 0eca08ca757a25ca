using System.Globalization;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// Time to first frame for both host-key modes, against the strict fake EC2 with realistic delays: new instances
/// unknown for 2 s, the console buffer 3 minutes late (GPU types; only Latest=true reads it at once), the fleet's
/// default tick and console poll. Each round starts the two renders side by side (cloud-init and console, each on its
/// own fake EC2 and data folder), so the machine's load weighs on both alike; console mode is the baseline. Measured
/// per run: from the instance's launch (the fake's clock) to the first frame journaled Done, and from the command's
/// start. Results go in docs/benchmarks.md.
/// </summary>
public sealed partial class SpotFleetTests
{
    private static readonly string[] HostKeyModes = ["cloud-init", "console"];

    [Test]
    [Category("Benchmark")]
    [Explicit("a benchmark: run it by name")]
    public async Task Time_to_first_frame_with_host_keys_from_cloud_init_and_from_the_console()
    {
        const int rounds = 3;
        var launchToFrame = HostKeyModes.ToDictionary(m => m, _ => new List<double>());
        var startToFrame = HostKeyModes.ToDictionary(m => m, _ => new List<double>());
        var consoleCalls = HostKeyModes.ToDictionary(m => m, _ => 0);
        for (var round = 0; round < rounds; round++)
        {
            var runs = HostKeyModes.Select(mode => FirstFrameAsync(mode, $"ttff{round}")).ToList();
            foreach (var (mode, run) in HostKeyModes.Zip(runs))
            {
                var (launch, start, calls) = await run;
                launchToFrame[mode].Add(launch.TotalSeconds);
                startToFrame[mode].Add(start.TotalSeconds);
                consoleCalls[mode] += calls;
            }
        }

        var lines = new List<string>
        {
            "| host keys | launch → first frame, s (median; each round) | command start → first frame, s (median) | GetConsoleOutput calls |",
            "|---|---|---|---|",
        };
        lines.AddRange(HostKeyModes.Select(m => string.Create(CultureInfo.InvariantCulture,
            $"| {m} | {Median(launchToFrame[m]):0.0} ({string.Join(", ", launchToFrame[m].Select(s => s.ToString("0.0", CultureInfo.InvariantCulture)))}) | {Median(startToFrame[m]):0.0} | {consoleCalls[m]} |")));
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"ratio cloud-init / console, launch → first frame: {Median(launchToFrame["cloud-init"]) / Median(launchToFrame["console"]):0.00}"));
        TestContext.Out.WriteLine(string.Join('\n', lines));
        Assert.That(consoleCalls["cloud-init"], Is.Zero, "with cloud-init keys no console output is read");
        Assert.That(consoleCalls["console"], Is.GreaterThanOrEqualTo(rounds), "console mode read each instance's console");
    }

    /// <summary>Renders two frames of the tiny scene on one instance; returns launch → first Done, command start → first Done, and the console reads.</summary>
    private static async Task<(TimeSpan FromLaunch, TimeSpan FromStart, int ConsoleCalls)> FirstFrameAsync(string hostKeys, string jobId)
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        fake.NotVisibleFor = TimeSpan.FromSeconds(2);
        fake.ConsoleOutputDelay = TimeSpan.FromMinutes(3);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var started = DateTimeOffset.UtcNow;
        // The fleet's own timing (tick 2 s, console poll 2 s, interruption poll 5 s), not the fast settings of the other tests.
        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers",
            Workers(fake, "max-instances=1", "host-keys=" + hostKeys, "tick=2", "interruption-poll=5", "idle=60", "console-timeout=600", "boot-timeout=600"),
            "--output", workspace.PathOf("frames"), "--job-id", jobId);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var firstDone = new JournalView(workspace.Cli.Home, jobId).Changes.Where(c => c.To == FrameState.Done).Min(c => c.At);
        var launched = new DateTimeOffset(fake.Instances.Single().LaunchedAt, TimeSpan.Zero);
        await AssertTornDownAsync(workspace, fake, jobId);
        return (firstDone - launched, firstDone - started, Calls(fake, "GetConsoleOutput"));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
