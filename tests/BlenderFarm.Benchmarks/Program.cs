using System.Diagnostics;
using System.Globalization;
using BlenderFarm.Benchmarks;

// blenderfarm farm-scale simulation (issue 14). Usage:
//   BlenderFarm.Benchmarks [--frames N] [--slots N] [--mix hetero|homo] [--outliers F] [--dies] [--median S] [--seed N] [--copies on|off] [--copy-saving F] [--watchdog S]
//   BlenderFarm.Benchmarks --suite small|large|copies   (each scenario in its own process, so peak memory is its own)
//   BlenderFarm.Benchmarks --journal [WRITERS] [RECORDS]
try
{
    if (args is ["--journal", ..])
    {
        var writers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var perWriter = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 500;
        var (records, seconds) = JournalThroughput.Run(writers, perWriter);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"journal: {records} records from {writers} writers made durable in {seconds:0.00} s: {records / seconds:0} records/s (goal >= 20000)"));
        return 0;
    }

    if (args is ["--suite", var suite])
    {
        return RunSuite(suite);
    }

    var result = Simulation.Run(Scenario.Parse(args));
    Console.WriteLine(Format(result));
    return result.Problem is null ? 0 : 1;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static int RunSuite(string suite)
{
    List<Scenario> scenarios = suite switch
    {
        "small" =>
        [
            .. new[] { (2000, 20), (10000, 100) }.SelectMany(size => new[]
            {
                new Scenario(size.Item1, size.Item2, true, 0, false),
                new Scenario(size.Item1, size.Item2, true, 0.01, false),
                new Scenario(size.Item1, size.Item2, false, 0, false),
                new Scenario(size.Item1, size.Item2, false, 0.01, false),
                new Scenario(size.Item1, size.Item2, true, 0, true),
            }),
            new Scenario(10000, 100, true, 0, false, MedianSeconds: 3),
        ],
        "large" =>
        [
            new Scenario(100000, 1000, true, 0, false),
            new Scenario(100000, 1000, true, 0.01, false),
            new Scenario(100000, 1000, false, 0, false),
            new Scenario(100000, 1000, true, 0, true),
        ],
        // Copies of stragglers off and on, side by side in one run.
        "copies" =>
        [
            .. new[] { (2000, 20), (10000, 100) }.SelectMany(size => new[]
            {
                new Scenario(size.Item1, size.Item2, true, 0, false),
                new Scenario(size.Item1, size.Item2, true, 0.01, false),
                new Scenario(size.Item1, size.Item2, false, 0.01, false),
                new Scenario(size.Item1, size.Item2, true, 0, true),
            }).SelectMany(s => new[] { s with { Copies = false }, s }),
        ],
        _ => throw new ArgumentException($"--suite takes small, large or copies, not {suite}."),
    };

    Console.WriteLine("| workload | makespan / LB | tail s | sched CPU s | CPU s per 100k frames | journal CPU s | other CPU s (JIT, runtime) | peak MB | peak MB with check | journal rec/s (run) | wall s | check |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
    var failed = 0;
    foreach (var scenario in scenarios)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        foreach (var argument in scenario.ToArguments())
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var line = child.StandardOutput.ReadToEnd().Trim();
        child.WaitForExit();
        failed += child.ExitCode == 0 ? 0 : 1;
        Console.WriteLine(line);
    }

    return failed == 0 ? 0 : 1;
}

static string Format(SimResult r) => string.Create(CultureInfo.InvariantCulture,
    $"| {r.Scenario.Name} | {r.Ratio:0.000} | {r.TailSeconds:0} | {r.SchedulingCpuSeconds:0.00} | {r.SchedulingCpuSeconds * 100000 / r.Scenario.Frames:0.00} | {r.JournalCpuSeconds:0.00} | {r.OtherCpuSeconds:0.00} | {r.PeakMemoryBytes / 1048576.0:0} | {r.PeakWithCheckBytes / 1048576.0:0} | {r.RecordsPerSecond:0} | {r.WallSeconds:0.0} | {r.Problem ?? $"{r.Scenario.Frames} frames Done once"} |");
