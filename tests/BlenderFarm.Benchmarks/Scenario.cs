using System.Globalization;

namespace BlenderFarm.Benchmarks;

/// <summary>One simulated farm run, as given on the command line.</summary>
internal sealed record Scenario(
    int Frames,
    int Slots,
    bool Heterogeneous,
    double Outliers,
    bool SlotDies,
    double MedianSeconds = 60,
    double Sigma = 0.5,
    int Seed = 14,
    bool Copies = true,
    double? CopySaving = null,
    double? WatchdogSeconds = null)
{
    public string Name => string.Create(CultureInfo.InvariantCulture,
        $"{Frames} x {Slots} {(Heterogeneous ? "hetero" : "homo")}{(Outliers > 0 ? $" +{Outliers:P0} slow" : "")}{(SlotDies ? " +dies" : "")}{(MedianSeconds != 60 ? $" median {MedianSeconds}s" : "")}{(Copies ? "" : " no copies")}{(CopySaving is { } c ? $" copy saving {c}" : "")}{(WatchdogSeconds is { } w ? $" watchdog {w}s" : "")}");

    public string[] ToArguments() =>
    [
        "--frames", Frames.ToString(CultureInfo.InvariantCulture),
        "--slots", Slots.ToString(CultureInfo.InvariantCulture),
        "--mix", Heterogeneous ? "hetero" : "homo",
        "--outliers", Outliers.ToString(CultureInfo.InvariantCulture),
        "--median", MedianSeconds.ToString(CultureInfo.InvariantCulture),
        "--seed", Seed.ToString(CultureInfo.InvariantCulture),
        "--copies", Copies ? "on" : "off",
        .. SlotDies ? (string[])["--dies"] : [],
        .. CopySaving is { } saving ? (string[])["--copy-saving", saving.ToString(CultureInfo.InvariantCulture)] : [],
        .. WatchdogSeconds is { } watchdog ? (string[])["--watchdog", watchdog.ToString(CultureInfo.InvariantCulture)] : [],
    ];

    public static Scenario Parse(IReadOnlyList<string> args)
    {
        var frames = 2000;
        var slots = 20;
        var hetero = true;
        var outliers = 0.0;
        var dies = false;
        var median = 60.0;
        var seed = 14;
        var copies = true;
        double? copySaving = null;
        double? watchdog = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--frames": frames = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--slots": slots = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mix": hetero = Next() switch { "hetero" => true, "homo" => false, var m => throw new ArgumentException($"--mix takes hetero or homo, not {m}.") }; break;
                case "--outliers": outliers = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--median": median = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dies": dies = true; break;
                case "--copies": copies = Next() switch { "on" => true, "off" => false, var c => throw new ArgumentException($"--copies takes on or off, not {c}.") }; break;
                case "--copy-saving": copySaving = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--watchdog": watchdog = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        return new Scenario(frames, slots, hetero, outliers, dies, median, 0.5, seed, copies, copySaving, watchdog);
    }
}
