using System.Globalization;
using BlenderFarm.Coordinator.Cli;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>Where a job renders: <c>local[:N]</c> is N slots on this machine.</summary>
internal sealed record WorkersSpec(string Kind, int Slots)
{
    /// <summary>
    /// Two slots by default: Cycles already uses every core, but a second Blender renders while the first syncs the
    /// scene and writes its file (docs/benchmarks.md). Large machines get one slot per 8 cores, at most 8.
    /// </summary>
    public static int DefaultLocalSlots(int cores) => Math.Clamp(cores / 8, 2, 8);

    public static WorkersSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "local")
        {
            return new WorkersSpec("local", DefaultLocalSlots(Environment.ProcessorCount));
        }

        if (text.StartsWith("local:", StringComparison.Ordinal))
        {
            var count = text["local:".Length..];
            return int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var slots) && slots is >= 1 and <= 64
                ? new WorkersSpec("local", slots)
                : throw new UsageException($"--workers local:N takes a slot count from 1 to 64, not '{count}'.");
        }

        var kind = text.Split(':')[0];
        throw kind is "ssh" or "aws"
            ? new UsageException($"--workers {kind} is not available in this version yet: use local[:N].")
            : new UsageException($"--workers takes local[:N], not '{text}'.");
    }

    /// <summary>Threads each slot's Blender may use, sharing this machine's cores.</summary>
    public int ThreadsPerSlot => Math.Max(1, Environment.ProcessorCount / Slots);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Slots}");
}
