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

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int clock_gettime(int clock, out TimeSpec spec);
}
