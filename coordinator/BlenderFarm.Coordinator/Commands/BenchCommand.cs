using System.Diagnostics;
using System.Globalization;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Blender.Output;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Demo;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// <c>blenderfarm bench</c>: renders the same frames three ways in one run and prints makespans and ratios:
/// one <c>blender -a</c>; N plain Blender processes sharing the frames through placeholder files (the DIY farm);
/// BlenderFarm on N local slots. Also prints the ideal makespan: the sum of single-frame render times over N slots.
/// With <c>--ssh HOSTS</c> it also renders through BlenderFarm on those SSH hosts and prints the overhead against local slots.
/// </summary>
internal static class BenchCommand
{
    private static readonly HashSet<string> ValueOptions = ["frames", "slots", "blender", "output", "ssh", "known-hosts"];

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("bench", arguments, ValueOptions, CommandLine.NoOptions);
        var blender = BlenderLocator.Find(line.Value("blender"));
        var slots = WorkersSpec.Parse("local:" + (line.Value("slots") ?? "2"));
        var blend = line.Single("FILE.blend", required: false) is { } given
            ? BlendFileCheck.EnsureLooksLikeBlend(given)
            : await DemoScene.EnsureAsync(blender, Path.Combine(context.Store.Root, "demo"), CancellationToken.None).ConfigureAwait(false);
        var frames = FrameSpec.Parse(line.Value("frames") ?? "1-48");
        if (frames[^1] - frames[0] + 1 != frames.Count)
        {
            throw new UsageException("bench needs one contiguous range of frames, like 1-48, so that 'blender -a' renders the same frames.");
        }

        var work = Path.GetFullPath(line.Value("output") ?? Path.Combine(Path.GetTempPath(), $"blenderfarm-bench-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        var (start, end) = (frames[0].ToString(CultureInfo.InvariantCulture), frames[^1].ToString(CultureInfo.InvariantCulture));
        var say = Console.Error;

        await say.WriteLineAsync($"bench: {Path.GetFileName(blend)}, frames {start}-{end} ({frames.Count}), {slots.Slots} slots, {Environment.ProcessorCount} cores, work in {work}").ConfigureAwait(false);

        await say.WriteLineAsync("bench: [1/3] one 'blender -b FILE -a' ...").ConfigureAwait(false);
        var single = await TimeAsync(() => RunBlenderAsync(blender,
            ["-b", blend, "--factory-startup", "-o", Path.Combine(work, "single", "frame_####"), "-s", start, "-e", end, "-a"])).ConfigureAwait(false);
        var frameTimes = single.Output.Split('\n').Select(BlenderLogLine.FrameSeconds).OfType<double>().ToList();
        Expect(frameTimes.Count == frames.Count, $"one blender -a reported {frameTimes.Count} frame times for {frames.Count} frames");

        await say.WriteLineAsync($"bench: [2/3] {slots.Slots} x 'blender -a' sharing frames through placeholders ...").ConfigureAwait(false);
        const string placeholders = "import bpy; r = bpy.context.scene.render; r.use_placeholder = True; r.use_overwrite = False";
        var diy = await TimeAsync(async () =>
        {
            var runs = Enumerable.Range(0, slots.Slots).Select(_ => RunBlenderAsync(blender,
            [
                "-b", blend, "--factory-startup", "-t", slots.ThreadsPerSlot.ToString(CultureInfo.InvariantCulture),
                "--python-expr", placeholders, "-o", Path.Combine(work, "placeholder", "frame_####"), "-s", start, "-e", end, "-a",
            ])).ToList();
            var outputs = await Task.WhenAll(runs).ConfigureAwait(false);
            return (0, string.Join('\n', outputs.Select(o => o.Output)));
        }).ConfigureAwait(false);

        await say.WriteLineAsync($"bench: [3/3] blenderfarm on {slots} ...").ConfigureAwait(false);
        var farmContext = new CliContext(new JobStore(Path.Combine(work, "home")), context.Loggers, context.Time, TextWriter.Null, progressOnTerminal: false);
        Task<(int Code, string Output, double Seconds)> RunFarmAsync(WorkersSpec workers, string folder) => TimeAsync(async () =>
        {
            var code = await JobSubmission.SubmitAndRunAsync(farmContext, new RenderRequest(
                blend, line.Value("frames") ?? "1-48", Path.Combine(work, folder), workers, ChunkPolicy.Auto, blender, AllowMissing: false, JobId: null)).ConfigureAwait(false);
            return (code, "");
        });

        var farm = await RunFarmAsync(slots, "farm").ConfigureAwait(false);
        Expect(farm.Output.Length == 0 && farm.Code == ExitCodes.Ok, "the blenderfarm run did not complete");

        double? sshSeconds = null;
        if (line.Value("ssh") is { } hostsFile)
        {
            await say.WriteLineAsync($"bench: [extra] blenderfarm on ssh:{hostsFile} ...").ConfigureAwait(false);
            var ssh = WorkersSpec.Parse("ssh:" + hostsFile) with { Ssh = SshSettings.FromCommandLine(line) };
            var sshRun = await RunFarmAsync(ssh, "ssh").ConfigureAwait(false);
            Expect(sshRun.Code == ExitCodes.Ok && CountFiles(Path.Combine(work, "ssh")) == frames.Count, "the blenderfarm run over SSH did not write every frame");
            sshSeconds = sshRun.Seconds;
        }

        Expect(CountFiles(Path.Combine(work, "single")) == frames.Count, "one blender -a did not write every frame");
        Expect(CountFiles(Path.Combine(work, "placeholder")) == frames.Count, "the placeholder farm did not write every frame");
        Expect(CountFiles(Path.Combine(work, "farm")) == frames.Count, "blenderfarm did not write every frame");

        var ideal = frameTimes.Sum() / slots.Slots;
        var report = new BenchReport(Path.GetFileName(blend), frames.Count, slots.Slots, Environment.ProcessorCount,
            single.Seconds, diy.Seconds, farm.Seconds, ideal, frameTimes.Sum()) { SshSeconds = sshSeconds };
        await context.Out.WriteLineAsync(report.ToText()).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static async Task<(int Code, string Output, double Seconds)> TimeAsync(Func<Task<(int Code, string Output)>> run)
    {
        var clock = Stopwatch.StartNew();
        var (code, output) = await run().ConfigureAwait(false);
        return (code, output, clock.Elapsed.TotalSeconds);
    }

    private static async Task<(int Code, string Output)> RunBlenderAsync(string blender, IReadOnlyList<string> arguments)
    {
        var (code, output) = await ProcessRunner.RunAsync(blender, arguments, TimeSpan.FromHours(2), CancellationToken.None).ConfigureAwait(false);
        Expect(code == 0, $"blender {string.Join(' ', arguments)} exited with code {code}");
        return (code, output);
    }

    private static int CountFiles(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder).Count(f => new FileInfo(f).Length > 0 && !Path.GetFileName(f).StartsWith('.')) : 0;

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new UserFacingException("The benchmark is not valid: " + problem + ".");
        }
    }
}
