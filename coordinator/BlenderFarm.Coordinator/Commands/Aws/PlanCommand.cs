using System.Diagnostics;
using System.Globalization;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Workers.Aws;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Pricing;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary>
/// <c>blenderfarm plan FILE.blend --workers aws[:N]</c>: what a job on AWS would use and cost, launching nothing:
/// the instance types with their current spot prices and, from one frame rendered here at the job's settings, an
/// estimate of time and money (an upper bound: a cloud GPU usually renders faster than this machine). With
/// <c>--json</c> it prints the same figures as one JSON object instead (<see cref="PlanFigures"/>, read by the
/// add-on's panel before the first click).
/// </summary>
internal static class PlanCommand
{
    /// <summary>Start-up of a GPU instance (launch, driver, Blender, job files) that is paid but renders nothing.</summary>
    private static readonly TimeSpan StartUp = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("plan", arguments, new HashSet<string>([.. AwsCommandLine.ValueOptions, "frames", "blender"]), new HashSet<string> { "no-sample", "json" });
        var json = line.Flag("json");
        var file = BlendFileCheck.EnsureLooksLikeBlend(line.Single("FILE.blend", required: true)!);
        var options = AwsCommandLine.Options(context, line);
        var blender = BlenderLocator.Find(line.Value("blender"));
        var report = await BlendVersionCheck.InspectAsync(blender, file, context.ScriptFolder, context.Loggers.CreateLogger("plan"), CancellationToken.None).ConfigureAwait(false);
        var scene = report.Scene;
        var frames = line.Value("frames") is { } text ? FrameSpec.Parse(text) : FrameSpec.FromScene(scene.FrameStart, scene.FrameEnd, scene.FrameStep);
        FrameSpec.EnsureInsideScene(frames, scene.FrameStart, scene.FrameEnd);

        using var ec2 = Ec2Access.Open(options);
        var prices = await SpotPrices.CurrentAsync(ec2, options.InstanceTypes, null, CancellationToken.None).ConfigureAwait(false);
        var output = json ? TextWriter.Null : context.Out;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Plan for {Path.GetFileName(file)}: {frames.Count} frames of '{scene.SceneName}' ({scene.Width}x{scene.Height} {scene.Engine}) on up to {options.MaxInstances} spot instance(s) in {AwsCommandLine.Region(ec2)}; --max-cost ${options.MaxCostUsd:0.00}"));
        output.WriteLine($"Blender: {(scene.FileBlenderVersion is { } saved ? $"the file was saved by {saved}; instances need Blender {saved} or newer (an older major version cannot read it). " : "")}Read here by Blender {scene.BlenderVersion}.");
        output.WriteLine($"An instance whose image has no Blender installs {AwsCommandLine.Options(context, line, scene).BlenderDownload}.");
        output.WriteLine($"{"TYPE",-14} {"CHEAPEST ZONE",-14} SPOT USD/HOUR");
        var cheapest = new List<SpotQuote>();
        foreach (var type in options.InstanceTypes)
        {
            var best = prices.Where(p => p.InstanceType == type).MinBy(p => p.UsdPerHour);
            output.WriteLine(best is null
                ? $"{type,-14} {"-",-14} no spot offer in this region"
                : string.Create(CultureInfo.InvariantCulture, $"{type,-14} {best.Zone,-14} {best.UsdPerHour:0.0000}"));
            if (best is not null)
            {
                cheapest.Add(best);
            }
        }

        if (cheapest.Count == 0)
        {
            throw new UserFacingException($"None of {string.Join(", ", options.InstanceTypes)} has a spot price in this region: choose other instance types.");
        }

        var first = cheapest[0];
        var instances = Math.Min(options.MaxInstances, frames.Count);
        if (line.Flag("no-sample"))
        {
            output.WriteLine("No sample frame rendered (--no-sample): no cost estimate. Nothing was launched.");
            PlanFigures.Write(json, context.Out, new PlanFigures(frames.Count, instances, first.InstanceType, first.Zone, first.UsdPerHour, options.MaxCostUsd, null, null, null));
            return ExitCodes.Ok;
        }

        var seconds = await RenderSampleAsync(blender, file, frames[0]).ConfigureAwait(false);
        var renderHours = frames.Count * seconds / 3600;
        var wall = TimeSpan.FromHours(renderHours / instances) + StartUp;
        var usd = first.UsdPerHour * (renderHours + instances * StartUp.TotalHours);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Sample: frame {frames[0]} took {seconds:0.0} s here, Blender start included (this machine; a cloud GPU is usually faster, so what follows is an upper bound)."));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Estimate: about {ProgressText.Duration(wall)} on {instances} {first.InstanceType} instance(s), ~${usd:0.00} including ~{StartUp.TotalMinutes:0} min start-up each{(usd > options.MaxCostUsd ? $" (over the --max-cost of ${options.MaxCostUsd:0.00}: the job would pause there)" : "")}."));
        output.WriteLine("Nothing was launched.");
        PlanFigures.Write(json, context.Out, new PlanFigures(frames.Count, instances, first.InstanceType, first.Zone, first.UsdPerHour, options.MaxCostUsd, seconds, wall.TotalSeconds, usd));
        return ExitCodes.Ok;
    }

    /// <summary>Renders one frame with the scene's own settings into a temporary folder; returns the seconds it took.</summary>
    private static async Task<double> RenderSampleAsync(string blender, string file, int frame)
    {
        var folder = Directory.CreateTempSubdirectory("blenderfarm-plan-");
        try
        {
            var clock = Stopwatch.StartNew();
            var (code, output) = await ProcessRunner.RunAsync(blender,
                ["-b", file, "--factory-startup", "-o", Path.Combine(folder.FullName, "sample_####"), "-F", "PNG", "-f", frame.ToString(CultureInfo.InvariantCulture)],
                TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
            if (code != 0 || folder.GetFiles().Length == 0)
            {
                var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "";
                throw new UserFacingException($"The sample frame {frame} did not render here (exit {code}: {last}): fix the scene, or use --no-sample for prices only.");
            }

            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
