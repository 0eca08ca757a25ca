using System.Diagnostics;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Running;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlenderFarm.Benchmarks;

/// <summary>What one simulated run measured.</summary>
internal sealed record SimResult(
    Scenario Scenario,
    double Makespan,
    double LowerBound,
    double TailSeconds,
    double SchedulingCpuSeconds,
    double HarnessCpuSeconds,
    double JournalCpuSeconds,
    double OtherCpuSeconds,
    double WallSeconds,
    long PeakMemoryBytes,
    long PeakWithCheckBytes,
    int JournalRecords,
    string? Problem)
{
    public double Ratio => Makespan / LowerBound;

    public double RecordsPerSecond => JournalRecords / WallSeconds;
}

/// <summary>
/// Drives the real <see cref="JobScheduler"/>, <see cref="JobRunner"/> and <see cref="FileJobJournal"/> with simulated
/// slots. The simulated clock moves only when every thread-pool thread is idle (everything the last step woke has run
/// and is waiting again), so a run is a discrete-event simulation of the real code.
/// </summary>
internal static class Simulation
{
    public static SimResult Run(Scenario scenario)
    {
        var workload = Workload.Create(scenario);
        // BLENDERFARM_SIM_FOLDER=/dev/shm keeps a long simulation off the disk (the journal figure is then not the disk's).
        var parent = Environment.GetEnvironmentVariable("BLENDERFARM_SIM_FOLDER");
        var folder = string.IsNullOrEmpty(parent)
            ? Directory.CreateTempSubdirectory("blenderfarm-sim-").FullName
            : Directory.CreateDirectory(Path.Combine(parent, "blenderfarm-sim-" + Environment.ProcessId)).FullName;
        try
        {
            return Run(scenario, workload, folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static SimResult Run(Scenario scenario, Workload workload, string folder)
    {
        var clock = new SimClock();
        var output = Path.Combine(folder, "frames");
        Directory.CreateDirectory(output);
        var frames = Enumerable.Range(1, scenario.Frames).ToList();
        var scene = new SceneInfo("Scene", 1, scenario.Frames, 1, 64, 48, "PNG", ".png", "frame_", "CYCLES", "4.2.3");
        var spec = new JobSpec("sim", Path.Combine(folder, "shot.blend"), output, frames, scene, ChunkPolicy.Auto, "sim", "/usr/bin/blender", SimClock.Epoch);
        var journalPath = Path.Combine(folder, "journal.bfj");
        var slots = Enumerable.Range(0, scenario.Slots)
            .Select(i => (IWorkerSlot)new SimSlot($"sim-{i + 1}", workload.SlotSpeeds[i], workload.DyingSlot == i ? workload.DiesAt : double.PositiveInfinity, clock, workload, 1))
            .ToList();
        var lastDoneBySlot = new Dictionary<string, double>();

        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var driverCpu = ThreadCpu.Now();
        double makespan;
        double journalCpu;
        double workerCpu;
        using (var journal = FileJobJournal.Create(journalPath, new JobCreated(spec)))
        {
            var scheduler = new JobScheduler(JobState.New(spec), journal, clock,
                Options(scenario), slots.Select(s => s.Id));
            scheduler.FrameChanged += change =>
            {
                if (change.To == FrameState.Done && change.Slot is { } slot)
                {
                    lastDoneBySlot[slot] = (change.At - SimClock.Epoch).TotalSeconds;
                }
            };
            scheduler.StartRun(Environment.ProcessId, "sim", _ => true, _ => null);
            var runner = new JobRunner(scheduler, slots, new AcceptEveryFrame(), new FileFrameStore(spec), NullLogger<JobRunner>.Instance);
            var run = Task.Run(() => runner.RunAsync(CancellationToken.None));
            Drive(clock, run, journal);
            run.GetAwaiter().GetResult();
            makespan = clock.Seconds;
            scheduler.Finish();
            journalCpu = ThreadCpu.OfThreadsNamed("journal writer");
            workerCpu = ThreadCpu.OfThreadsNamed(".NET TP Worker");
        }

        // The simulated slots ran on the thread-pool thread, timed by themselves; the driver is the harness all along.
        var slotsCpu = ThreadCpu.HarnessSeconds;
        ThreadCpu.AddHarness(driverCpu);
        wall.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var harness = ThreadCpu.HarnessSeconds;
        var schedulingCpu = workerCpu - slotsCpu;
        // Peak memory of the run itself: reading the journal back for the check below is the harness's.
        var peak = process.PeakWorkingSet64;
        var (records, problem) = Check(journalPath, scenario.Frames);
        process.Refresh();
        // The tail: from the first slot (that did not die) finishing its last frame to the last one.
        var lastDone = lastDoneBySlot.Where(p => workload.DyingSlot is not { } d || p.Key != slots[d].Id).Select(p => p.Value).ToList();
        makespan = lastDoneBySlot.Count > 0 ? lastDoneBySlot.Values.Max() : makespan;
        var tail = lastDone.Count > 0 ? makespan - lastDone.Min() : 0;
        if (Environment.GetEnvironmentVariable("BLENDERFARM_SIM_TAIL") == "1")
        {
            DescribeTail(workload, slots, lastDoneBySlot, makespan);
        }
        return new SimResult(scenario, makespan, workload.LowerBound, tail, schedulingCpu, harness, journalCpu,
            cpu - schedulingCpu - harness - journalCpu, wall.Elapsed.TotalSeconds, peak, process.PeakWorkingSet64, records, problem);
    }

    private static SchedulerOptions Options(Scenario scenario)
    {
        var defaults = new SchedulerOptions();
        return new SchedulerOptions
        {
            CopySaving = scenario.Copies ? scenario.CopySaving ?? defaults.CopySaving : null,
            WatchdogInterval = scenario.WatchdogSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.WatchdogInterval,
        };
    }

    /// <summary>
    /// On stderr: the fleet's idle capacity (slot-seconds at 1x) in all and after each slot's last frame, and when each
    /// speed class finished, to see where makespan over the bound goes.
    /// </summary>
    private static void DescribeTail(Workload workload, List<IWorkerSlot> slots, Dictionary<string, double> lastDone, double makespan)
    {
        var capacity = workload.SlotSpeeds.Sum() * makespan;
        var idle = capacity - workload.FrameCosts.Sum();
        var afterLast = slots.Select((s, i) => workload.SlotSpeeds[i] * (makespan - lastDone.GetValueOrDefault(s.Id))).Sum();
        Console.Error.WriteLine(FormattableString.Invariant($"idle capacity {idle:0} (of {capacity:0}), after each slot's last frame {afterLast:0}, so before it or in copies {idle - afterLast:0}"));
        var longest = workload.FrameCosts.Max();
        Console.Error.WriteLine(FormattableString.Invariant($"bound by work {workload.FrameCosts.Sum() / workload.SlotSpeeds.Sum():0} s, longest frame {longest:0} s at 1x ({longest / workload.SlotSpeeds.Max():0} s on the fastest); frames over 1000 s at 1x: {workload.FrameCosts.Count(c => c > 1000)}"));
        foreach (var speed in workload.SlotSpeeds.Distinct().Order())
        {
            var ends = slots.Select((s, i) => (s, i)).Where(p => workload.SlotSpeeds[p.i] == speed).Select(p => makespan - lastDone.GetValueOrDefault(p.s.Id)).Order().ToList();
            Console.Error.WriteLine(FormattableString.Invariant($"{speed}x: {ends.Count} slots, idle at the end: median {ends[ends.Count / 2]:0} s, min {ends[0]:0}, max {ends[^1]:0}"));
        }
    }

    /// <summary>Advances the clock each time the thread pool is idle, until the run ends.</summary>
    private static void Drive(SimClock clock, Task run, FileJobJournal journal)
    {
        while (true)
        {
            WaitUntilIdle(journal);
            if (run.IsCompleted)
            {
                return;
            }

            if (!clock.AdvanceToNext())
            {
                WaitUntilIdle(journal);
                if (run.IsCompleted)
                {
                    return;
                }

                throw new InvalidOperationException("The simulation is stuck: the run waits but no timer is pending.");
            }
        }
    }

    /// <summary>Until the journal's writer and the thread pool have nothing left to do (in that order of checking).</summary>
    private static void WaitUntilIdle(FileJobJournal journal)
    {
        ThreadPool.GetMaxThreads(out var max, out _);
        var quiet = 0;
        var spin = new SpinWait();
        while (quiet < 3)
        {
            var journalIdle = journal.PendingRecords == 0;
            ThreadPool.GetAvailableThreads(out var available, out _);
            if (journalIdle && ThreadPool.PendingWorkItemCount == 0 && available == max)
            {
                quiet++;
            }
            else
            {
                quiet = 0;
            }

            spin.SpinOnce();
        }
    }

    /// <summary>Reads the journal back: every frame must end Done, by exactly one Done transition.</summary>
    private static (int Records, string? Problem) Check(string journalPath, int frameCount)
    {
        var read = FileJobJournal.Read(journalPath);
        var done = new int[frameCount + 1];
        foreach (var change in read.Records.OfType<FrameChanged>().Where(c => c.To == FrameState.Done))
        {
            done[change.Frame]++;
        }

        var state = JobState.Replay(read.Records);
        var notDone = state.Frames.Count(f => f.State != FrameState.Done);
        var twice = done.Count(d => d > 1);
        var problem = notDone > 0 || twice > 0 || read.TornTailBytes > 0
            ? $"{notDone} frame(s) not done, {twice} done more than once, {read.TornTailBytes} torn bytes"
            : null;
        return (read.Records.Count, problem);
    }

    private sealed class AcceptEveryFrame : IFrameVerifier
    {
        public FrameVerification Verify(string path) => new(true, 0, null);
    }
}
