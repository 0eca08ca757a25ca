using System.Text.Json;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary>
/// What <c>plan --json</c> prints, one JSON object on one line: the frames, how many instances of the cheapest type
/// (and its zone and spot price per hour), the money limit and, when a sample frame was rendered, its seconds and the
/// estimated duration and cost. The add-on's panel shows these before the first click.
/// </summary>
internal sealed record PlanFigures(
    int Frames,
    int Instances,
    string InstanceType,
    string Zone,
    double UsdPerHour,
    double MaxCostUsd,
    double? SampleSeconds,
    double? EstimateSeconds,
    double? EstimateUsd)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static void Write(bool json, TextWriter output, PlanFigures figures)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(figures, Options));
        }
    }
}
