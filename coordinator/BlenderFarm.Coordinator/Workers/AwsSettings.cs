using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Workers.Aws;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>
/// AWS settings as <c>key=value</c> pairs, merged from (lowest first) the settings file
/// <c>$BLENDERFARM_HOME/aws.conf</c> (one pair per line, # comments), <c>--workers aws:key=value,...</c> (or
/// <c>aws:N</c> for max-instances) and the <c>--aws-*</c> / <c>--max-cost</c> flags. The merged text is what the job
/// journals, so a resumed job launches the same way (flags given to resume win, e.g. a higher --max-cost).
/// </summary>
internal static class AwsSettings
{
    /// <summary>Every key, with what it sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["region"] = "AWS region, e.g. us-east-1",
        ["profile"] = "AWS profile name",
        ["types"] = "instance types in order of preference, separated by '+' or ';' (e.g. g4dn.xlarge+g5.xlarge)",
        ["zones"] = "availability zones to try, separated by '+' or ';'",
        ["max-instances"] = "most instances at once",
        ["max-cost"] = "money limit for the job in USD",
        ["ami"] = "AMI id",
        ["ami-owner"] = "owner of the AMI to look up by name",
        ["ami-name"] = "AMI name pattern (* wildcards)",
        ["user"] = "SSH login user of the AMI",
        ["port"] = "SSH port of the instances",
        ["blender"] = "Blender path on the instances",
        ["blender-url"] = "where instances download Blender when the AMI lacks it (default: the official build of the release that saved the .blend)",
        ["blender-version"] = "the Blender release instances install when the AMI lacks it, X.Y or X.Y.Z (default: the release that saved the .blend)",
        ["blender-mirror"] = "where official Blender releases are downloaded from (default https://download.blender.org/release/)",
        ["host-keys"] = "cloud-init (a host key made here for each instance, default) or console (the instance's own, checked against its console output)",
        ["blender-sha256"] = "the download's official SHA-256 (default: read from Blender's checksum file beside it)",
        ["caller-cidr"] = "who may reach SSH, e.g. 203.0.113.7/32 (default: this machine's public address)",
        ["endpoint"] = "EC2 endpoint URL (a VPC endpoint)",
        ["mount-command"] = "command that mounts shared storage on each instance",
        ["linger"] = "seconds instances stay after the job ends",
        ["idle"] = "seconds an instance may sit idle with no frame queued before it is terminated",
        ["tick"] = "seconds between the fleet's checks of capacity and cost",
        ["interruption-poll"] = "seconds between each instance's checks for a spot interruption notice",
        ["boot-timeout"] = "seconds an instance may take to accept SSH",
        ["console-timeout"] = "seconds to wait for host key fingerprints in the console output",
        ["storage"] = "how job files reach instances: s3 (uploaded once, the default) or sftp (to each instance)",
        ["s3-endpoint"] = "S3 endpoint URL (a VPC endpoint); with 'endpoint' set and no s3-endpoint, files go over SFTP",
        ["storage-days"] = "days S3 keeps job files and frames before its lifecycle rule deletes them (default 7)",
    };

    /// <summary>Flags that set a key directly.</summary>
    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["aws-region"] = "region",
        ["aws-profile"] = "profile",
        ["aws-types"] = "types",
        ["aws-ami"] = "ami",
        ["aws-caller-cidr"] = "caller-cidr",
        ["max-instances"] = "max-instances",
        ["max-cost"] = "max-cost",
    };

    public static string SettingsFile(string home) => Path.Combine(home, "aws.conf");

    /// <summary>Parses <c>aws</c>'s part after the colon: empty, a count, or comma-separated pairs.</summary>
    public static SortedDictionary<string, string> ParseInline(string text)
    {
        var pairs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (text.Length == 0)
        {
            return pairs;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            pairs["max-instances"] = text;
            return pairs;
        }

        string? previous = null;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.Contains('=', StringComparison.Ordinal) && previous is "types" or "zones")
            {
                pairs[previous] += "+" + part; // types=g4dn.xlarge,g5.xlarge: a list written with commas
                continue;
            }

            previous = Add(pairs, part, "--workers aws:");
        }

        return pairs;
    }

    /// <summary>Reads the settings file; missing is fine (everything has a default or a flag).</summary>
    public static SortedDictionary<string, string> ReadFile(string path)
    {
        var pairs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return pairs;
        }

        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                Add(pairs, line, path + ": ");
            }
        }

        return pairs;
    }

    /// <summary>The journaled form: <c>aws:key=value,...</c> (sorted, so the same settings always read the same).</summary>
    public static string Format(IReadOnlyDictionary<string, string> pairs) =>
        "aws:" + string.Join(',', pairs.Select(p => $"{p.Key}={p.Value}"));

    public static AwsOptions ToOptions(IReadOnlyDictionary<string, string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var options = new AwsOptions();
        foreach (var (key, value) in pairs)
        {
            options = key switch
            {
                "region" => options with { Region = value },
                "profile" => options with { Profile = value },
                "types" => options with { InstanceTypes = List(value, key) },
                "zones" => options with { Zones = List(value, key) },
                "max-instances" => options with { MaxInstances = Int(value, key, 1, 1000) },
                "max-cost" => options with { MaxCostUsd = Number(value, key, 0.01, 1_000_000) },
                "ami" => options with { AmiId = value },
                "ami-owner" => options with { AmiOwner = value },
                "ami-name" => options with { AmiName = value },
                "user" => options with { SshUser = value },
                "port" => options with { SshPort = Int(value, key, 1, 65535) },
                "blender" => options with { BlenderPath = value },
                "blender-url" => options with { BlenderDownload = Url(value, key) },
                "blender-sha256" => options with { BlenderSha256 = Sha256(value) },
                "blender-version" => options with { BlenderVersion = Version(value) },
                "blender-mirror" => options with { BlenderMirror = Url(value, key) },
                "host-keys" => options with
                {
                    HostKeys = value switch
                    {
                        "cloud-init" => HostKeySource.CloudInit,
                        "console" => HostKeySource.Console,
                        _ => throw new UsageException($"host-keys takes cloud-init or console, not '{value}'."),
                    },
                },
                "caller-cidr" => options with { CallerCidr = Cidr(value) },
                "endpoint" => options with { ServiceUrl = Url(value, key) },
                "mount-command" => options with { MountCommand = value },
                "linger" => options with { Linger = Seconds(value, key) },
                "idle" => options with { IdleTimeout = Seconds(value, key) },
                "tick" => options with { Tick = Seconds(value, key) },
                "interruption-poll" => options with { InterruptionPoll = Seconds(value, key) },
                "boot-timeout" => options with { BootTimeout = Seconds(value, key) },
                "console-timeout" => options with { ConsoleOutputTimeout = Seconds(value, key) },
                "storage" or "s3-endpoint" or "storage-days" => options,
                _ => throw new UsageException($"Unknown AWS setting '{key}'."),
            };
        }

        return options with { Storage = ToStorage(pairs) };
    }

    /// <summary>S3 for job files unless storage=sftp, or a custom EC2 endpoint came without an S3 one.</summary>
    private static StorageOptions? ToStorage(IReadOnlyDictionary<string, string> pairs)
    {
        var kind = pairs.GetValueOrDefault("storage", "s3");
        if (kind is not ("s3" or "sftp"))
        {
            throw new UsageException($"The AWS setting storage takes s3 or sftp, not '{kind}'.");
        }

        var storage = new StorageOptions
        {
            ServiceUrl = pairs.TryGetValue("s3-endpoint", out var url) ? Url(url, "s3-endpoint") : null,
            ExpiryDays = pairs.TryGetValue("storage-days", out var days) ? Int(days, "storage-days", 1, 3650) : 7,
        };
        return kind == "sftp" || (pairs.ContainsKey("endpoint") && storage.ServiceUrl is null) ? null : storage;
    }

    /// <summary>Adds one key=value (an empty value leaves the key unset) and returns the key.</summary>
    private static string Add(SortedDictionary<string, string> pairs, string pair, string where)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        var key = equals > 0 ? pair[..equals].Trim() : pair;
        if (equals <= 0 || !Keys.ContainsKey(key))
        {
            throw new UsageException($"{where}'{pair}' is not an AWS setting: use key=value with one of {string.Join(", ", Keys.Keys)}.");
        }

        var value = pair[(equals + 1)..].Trim();
        if (value.Length > 0)
        {
            pairs[key] = value;
        }

        return key;
    }

    private static string[] List(string value, string key)
    {
        var items = value.Split(['+', ';', ' '], StringSplitOptions.RemoveEmptyEntries);
        return items.Length > 0 ? items : throw new UsageException($"The AWS setting {key} needs at least one value.");
    }

    private static int Int(string value, string key, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new UsageException($"The AWS setting {key} takes a whole number from {min} to {max}, not '{value}'.");

    private static double Number(string value, string key, double min, double max) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) && number >= min && number <= max
            ? number
            : throw new UsageException($"The AWS setting {key} takes a number from {min} to {max}, not '{value}'.");

    private static TimeSpan Seconds(string value, string key) => TimeSpan.FromSeconds(Number(value, key, 0, 86_400));

    private static Uri Url(string value, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"The AWS setting {key} takes an http(s) URL, not '{value}'.");

    private static string Sha256(string value) =>
        value.Length == 64 && value.All(char.IsAsciiHexDigit)
            ? value.ToLowerInvariant()
            : throw new UsageException($"blender-sha256 takes the 64 hexadecimal digits Blender publishes for the download, not '{value}'.");

    private static string Version(string value) =>
        System.Text.RegularExpressions.Regex.IsMatch(value, @"^\d{1,2}\.\d{1,2}(\.\d{1,3})?$")
            ? value
            : throw new UsageException($"blender-version takes a Blender release such as 4.3 or 4.3.2, not '{value}'.");

    private static string Cidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && System.Net.IPAddress.TryParse(value[..slash], out var address)
               && int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
               && bits <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            ? value
            : throw new UsageException($"caller-cidr takes an address with a prefix length, e.g. 203.0.113.7/32, not '{value}'.");
    }
}
