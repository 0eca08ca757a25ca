using System.Globalization;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>The fleet in one phrase for the progress line: "aws: 2 rendering, 1 booting, 1 interrupted".</summary>
public static class FleetActivity
{
    /// <summary>The order states are listed in: from the start of an instance's life to its end.</summary>
    private static readonly string[] Order = ["launching", "booting", "installing Blender", "fetching files", "syncing", "rendering", "idle", "leaving", "interrupted"];

    /// <param name="instances">Every instance of this run, terminated ones included.</param>
    /// <param name="launching">How many launch requests are in flight.</param>
    public static string Describe(IEnumerable<FleetInstance> instances, int launching)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var counts = instances.Select(i => i.Doing).OfType<string>()
            .Concat(Enumerable.Repeat("launching", launching))
            .CountBy(d => d)
            .OrderBy(c => Array.IndexOf(Order, c.Key))
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value} {c.Key}"))
            .ToList();
        return "aws: " + (counts.Count == 0 ? "no instances" : string.Join(", ", counts));
    }
}
