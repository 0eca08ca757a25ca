using System.Text.Json.Serialization;

namespace BlenderFarm.Protocol;

/// <summary>
/// The workers a submitted job renders on, typed: a kind and that kind's settings (never the CLI's <c>--workers</c>
/// text). Unset settings take the coordinator's defaults (for AWS: its settings file, then built-in defaults).
/// </summary>
public sealed record WorkersInfo
{
    public required WorkersKind Kind { get; init; }

    /// <summary>With <see cref="WorkersKind.Local"/>: slots on this machine, 1 to 64; null for the default.</summary>
    public int? Slots { get; init; }

    /// <summary>With <see cref="WorkersKind.Ssh"/>: the absolute path of the hosts file.</summary>
    public string? HostsFile { get; init; }

    /// <summary>With <see cref="WorkersKind.Aws"/>: what to launch and the money limit.</summary>
    public AwsWorkersInfo? Aws { get; init; }
}

/// <summary>Where a job renders. Values are a wire contract: explicit, only appended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WorkersKind>))]
public enum WorkersKind
{
    [JsonStringEnumMemberName("local")]
    Local = 0,

    [JsonStringEnumMemberName("ssh")]
    Ssh = 1,

    [JsonStringEnumMemberName("aws")]
    Aws = 2,
}

/// <summary>AWS spot instances for one job; each null setting takes the coordinator's.</summary>
public sealed record AwsWorkersInfo
{
    public string? Region { get; init; }

    public string? Profile { get; init; }

    /// <summary>Instance types in order of preference, e.g. <c>["g4dn.xlarge", "g5.xlarge"]</c>.</summary>
    public IReadOnlyList<string>? InstanceTypes { get; init; }

    public int? MaxInstances { get; init; }

    /// <summary>The money limit for the job, in USD.</summary>
    public double? MaxCost { get; init; }
}
