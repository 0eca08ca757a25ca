using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.Fleet;
using BlenderFarm.Workers.Aws.Pricing;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary><c>blenderfarm instances</c>: every instance BlenderFarm has running in the region, with its age and cost so far.</summary>
internal static class InstancesCommand
{
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("instances", arguments, AwsCommandLine.ValueOptions, CommandLine.NoOptions);
        line.Single("argument", required: false);
        var (options, ec2, live) = await AwsCommandLine.OpenAsync(context, line).ConfigureAwait(false);
        using var client = ec2;
        if (live.Count == 0)
        {
            context.Out.WriteLine($"BlenderFarm has no instance running in {AwsCommandLine.Region(ec2)}.");
            return ExitCodes.Ok;
        }

        var prices = await SpotPrices.CurrentAsync(ec2, [.. live.Select(i => i.InstanceType).Distinct()], null, CancellationToken.None).ConfigureAwait(false);
        var now = context.Time.GetUtcNow();
        var owner = OwnerId.For(Path.Combine(context.Store.Root, "aws"));
        context.Out.WriteLine($"{"INSTANCE",-21} {"TYPE",-13} {"ZONE",-12} {"STATE",-13} {"JOB",-22} {"AGE",-9} {"COST SO FAR",-12} LAUNCHED FROM");
        var total = 0.0;
        foreach (var instance in live)
        {
            var age = now - instance.LaunchedAt;
            var cost = (SpotPrices.For(prices, instance.InstanceType, instance.Zone) ?? 0) * Math.Max(60, age.TotalSeconds) / 3600;
            total += cost;
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{instance.InstanceId,-21} {instance.InstanceType,-13} {instance.Zone,-12} {instance.State,-13} {instance.JobId,-22} {ProgressText.Duration(age),-9} {"~$" + cost.ToString("0.000", CultureInfo.InvariantCulture),-12} {(instance.Owner == owner ? "here" : instance.Owner)}"));
        }

        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{live.Count} instance(s), ~${total:0.000} so far at current spot prices; 'blenderfarm teardown' terminates them all."));
        return ExitCodes.Ok;
    }
}
