using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Workers.Aws;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary>The AWS settings of a command that talks to EC2 without rendering (plan, instances, teardown).</summary>
internal static class AwsCommandLine
{
    public static readonly HashSet<string> ValueOptions = ["workers", .. AwsSettings.Flags.Keys];

    public static AwsOptions Options(CliContext context, CommandLine line)
    {
        var workers = WorkersSpec.Parse(line.Value("workers") ?? "aws");
        if (workers.Kind != "aws")
        {
            throw new UsageException($"blenderfarm {line.Verb} is about AWS: give --workers aws[:N] or aws:key=value,... (not {workers}).");
        }

        return AwsSettings.ToOptions(workers.WithAwsSettings(context.Store.Root, line).Aws!);
    }

    public static string Region(AwsOptions options) =>
        options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION") ?? "the profile's region";
}
