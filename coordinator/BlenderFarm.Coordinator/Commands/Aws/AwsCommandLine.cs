using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using Amazon.EC2;
using BlenderFarm.Workers.Aws;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Fleet;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary>The AWS settings of a command that talks to EC2 without rendering (plan, instances, teardown).</summary>
internal static class AwsCommandLine
{
    public static readonly HashSet<string> ValueOptions = ["workers", .. AwsSettings.Flags.Keys];

    public static AwsOptions Options(CliContext context, CommandLine line) => AwsSettings.ToOptions(Settings(context, line));

    /// <summary>The options with the Blender an instance without one installs for <paramref name="scene"/> (<see cref="AwsBlender"/>).</summary>
    public static AwsOptions Options(CliContext context, CommandLine line, Domain.Jobs.SceneInfo scene)
    {
        var settings = Settings(context, line);
        return AwsBlender.ForScene(AwsSettings.ToOptions(settings), settings, scene);
    }

    private static IReadOnlyDictionary<string, string> Settings(CliContext context, CommandLine line)
    {
        var workers = WorkersSpec.Parse(line.Value("workers") ?? "aws");
        if (workers.Kind != "aws")
        {
            throw new UsageException($"blenderfarm {line.Verb} is about AWS: give --workers aws[:N] or aws:key=value,... (not {workers}).");
        }

        return workers.WithAwsSettings(context.Store.Root, line).Aws!;
    }

    /// <summary>EC2 opened with the command line's settings, and BlenderFarm's instances that still run (or may).</summary>
    public static async Task<(AwsOptions Options, IAmazonEC2 Ec2, IReadOnlyList<OwnedInstance> Live)> OpenAsync(CliContext context, CommandLine line)
    {
        var options = Options(context, line);
        var ec2 = Ec2Access.Open(options);
        var live = (await FarmInventory.InstancesAsync(ec2, CancellationToken.None).ConfigureAwait(false))
            .Where(i => FarmInventory.LiveStates.Contains(i.State)).OrderBy(i => i.LaunchedAt).ToList();
        return (options, ec2, live);
    }

    /// <summary>The region EC2 was opened for (from the options, the environment or the profile, as Ec2Access resolved it).</summary>
    public static string Region(IAmazonEC2 ec2) => BlenderFarm.Workers.Aws.Access.Ec2Access.RegionOf(ec2);
}
