namespace BlenderFarm.Benchmarks;

/// <summary>
/// What one simulation renders: each frame's cost (seconds on a 1x slot), each slot's speed, and which slot dies when.
/// Frame costs are lognormal (median 60 s, sigma 0.5 by default); a fraction of frames can be made 10x slower.
/// </summary>
internal sealed record Workload(double[] FrameCosts, double[] SlotSpeeds, int? DyingSlot, double DiesAt)
{
    public static Workload Create(Scenario scenario)
    {
        var random = new Random(scenario.Seed);
        var costs = new double[scenario.Frames];
        for (var i = 0; i < costs.Length; i++)
        {
            costs[i] = scenario.MedianSeconds * Math.Exp(scenario.Sigma * Gaussian(random));
            if (random.NextDouble() < scenario.Outliers)
            {
                costs[i] *= 10;
            }
        }

        var speeds = new double[scenario.Slots];
        for (var i = 0; i < speeds.Length; i++)
        {
            // 30% 1x, 50% 2x, 20% 4x, spread evenly over the slot list (a mix of CPU and GPU hosts).
            var position = (i * 0.618034) % 1.0;
            speeds[i] = !scenario.Heterogeneous ? 1 : position < 0.3 ? 1 : position < 0.8 ? 2 : 4;
        }

        int? dying = null;
        var diesAt = double.PositiveInfinity;
        if (scenario.SlotDies)
        {
            dying = Array.IndexOf(speeds, speeds.Max());
            diesAt = 0.3 * Bound(costs, speeds, null, double.PositiveInfinity);
        }

        return new Workload(costs, speeds, dying, diesAt);
    }

    public double LowerBound => Bound(FrameCosts, SlotSpeeds, DyingSlot, DiesAt);

    /// <summary>
    /// No schedule beats both the total work over the total speed (less what the dying slot no longer gives after its
    /// death) and the longest frame on the fastest slot.
    /// </summary>
    private static double Bound(double[] costs, double[] speeds, int? dying, double diesAt)
    {
        var work = costs.Sum();
        var speed = speeds.Sum();
        var byWork = work / speed;
        if (dying is { } d && byWork > diesAt)
        {
            byWork = (work - (speeds[d] * diesAt)) / (speed - speeds[d]);
        }

        return Math.Max(byWork, costs.Max() / speeds.Max());
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
