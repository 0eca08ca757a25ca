using System.Globalization;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Turns the protocol's typed workers description into the workers a job renders on; a description that cannot be
/// used throws <see cref="ArgumentException"/> with one sentence (the server answers WorkersUnavailable).
/// </summary>
internal static class ProtocolWorkers
{
    public static WorkersSpec ToSpec(WorkersInfo? workers, string home)
    {
        if (workers is null)
        {
            return WorkersSpec.Parse(null);
        }

        return workers.Kind switch
        {
            WorkersKind.Local => workers.Slots switch
            {
                null => WorkersSpec.Parse(null),
                >= 1 and <= 64 and var slots => new WorkersSpec("local", slots),
                var slots => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Local workers take 1 to 64 slots, not {slots}.")),
            },
            WorkersKind.Ssh => Ssh(workers.HostsFile),
            WorkersKind.Aws => new WorkersSpec("aws", 0) { Aws = AwsPairs(workers.Aws) }.WithAwsSettings(home, null),
            _ => throw new ArgumentException($"This coordinator cannot render on '{workers.Kind}' workers."),
        };
    }

    private static WorkersSpec Ssh(string? hostsFile)
    {
        if (string.IsNullOrWhiteSpace(hostsFile) || !Path.IsPathFullyQualified(hostsFile))
        {
            throw new ArgumentException("SSH workers need the absolute path of a hosts file.");
        }

        return File.Exists(hostsFile)
            ? new WorkersSpec("ssh", 0, Path.GetFullPath(hostsFile))
            : throw new ArgumentException($"The hosts file {hostsFile} does not exist.");
    }

    private static SortedDictionary<string, string> AwsPairs(AwsWorkersInfo? aws)
    {
        var pairs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (aws is null)
        {
            return pairs;
        }

        void Set(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                pairs[key] = value;
            }
        }

        Set("region", aws.Region);
        Set("profile", aws.Profile);
        Set("types", aws.InstanceTypes is { Count: > 0 } types ? string.Join('+', types) : null);
        Set("max-instances", aws.MaxInstances?.ToString(CultureInfo.InvariantCulture));
        Set("max-cost", aws.MaxCost?.ToString(CultureInfo.InvariantCulture));
        return pairs;
    }
}
