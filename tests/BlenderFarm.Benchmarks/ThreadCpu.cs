using System.Runtime.InteropServices;

namespace BlenderFarm.Benchmarks;

/// <summary>CPU time of the calling thread (Linux), to take the harness's own work out of the figures.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    private static long _harnessTicks;

    /// <summary>CPU seconds spent in harness code (simulated slots, the driver), summed over threads.</summary>
    public static double HarnessSeconds => Interlocked.Read(ref _harnessTicks) / (double)TimeSpan.TicksPerSecond;

    public static long Now()
    {
        if (!OperatingSystem.IsLinux() || clock_gettime(ClockThreadCpuTime, out var spec) != 0)
        {
            return 0;
        }

        return (spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / 100);
    }

    public static void AddHarness(long since) => Interlocked.Add(ref _harnessTicks, Now() - since);

    /// <summary>CPU seconds (user and system) of this process's threads with the given name, from /proc (Linux).</summary>
    public static double OfThreadsNamed(string name)
    {
        var ticks = 0L;
        if (!Directory.Exists("/proc/self/task"))
        {
            return 0;
        }

        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != name)
                {
                    continue;
                }

                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return ticks / 100.0; // USER_HZ
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clock, out TimeSpec spec);
}
