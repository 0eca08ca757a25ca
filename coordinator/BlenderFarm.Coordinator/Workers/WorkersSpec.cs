using System.Globalization;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>
/// Where a job renders: <c>local[:N]</c> is N slots on this machine; <c>ssh:HOSTS</c> is the hosts listed in the
/// hosts file HOSTS, each with one slot per GPU; <c>aws[:N]</c> is up to N spot instances BlenderFarm launches.
/// </summary>
internal sealed record WorkersSpec(string Kind, int Slots, string? HostsFile = null) : IWorkersChoice
{
    /// <summary>How SSH hosts are reached; only used with <c>ssh</c>.</summary>
    public SshSettings Ssh { get; init; } = SshSettings.Default;

    /// <summary>With <c>aws</c>: the AWS settings as key=value pairs (see <see cref="AwsSettings"/>).</summary>
    public SortedDictionary<string, string>? Aws { get; init; }

    /// <summary>With <c>ssh</c>: a folder every host and this machine see, used instead of SFTP for job files and frames.</summary>
    public BlenderFarm.Workers.Ssh.Sync.SharedStorage? Shared { get; init; }

    /// <summary>
    /// Two slots by default: on a small machine they render as fast as one Blender using every core (docs/benchmarks.md),
    /// and a slot whose Blender dies loses only its own frame. Large machines get one slot per 8 cores, at most 8.
    /// </summary>
    public static int DefaultLocalSlots(int cores) => Math.Clamp(cores / 8, 2, 8);

    public static WorkersSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "local")
        {
            return new WorkersSpec("local", DefaultLocalSlots(Environment.ProcessorCount));
        }

        if (text.StartsWith("local:", StringComparison.Ordinal))
        {
            var count = text["local:".Length..];
            return int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var slots) && slots is >= 1 and <= 64
                ? new WorkersSpec("local", slots)
                : throw new UsageException($"--workers local:N takes a slot count from 1 to 64, not '{count}'.");
        }

        if (text.StartsWith("ssh:", StringComparison.Ordinal) && text.Length > "ssh:".Length)
        {
            var file = Path.GetFullPath(text["ssh:".Length..]);
            return File.Exists(file)
                ? new WorkersSpec("ssh", 0, file)
                : throw new UsageException($"The hosts file {text["ssh:".Length..]} does not exist (give --workers ssh:HOSTS_FILE, or --host user@host).");
        }

        if (text == "aws" || text.StartsWith("aws:", StringComparison.Ordinal))
        {
            return new WorkersSpec("aws", 0) { Aws = AwsSettings.ParseInline(text.Length > 4 ? text[4..] : "") };
        }

        throw new UsageException($"--workers takes local[:N], ssh:HOSTS_FILE or aws[:N], not '{text}'.");
    }

    /// <summary>With <c>aws</c>: the settings file under <paramref name="home"/>, then the spec's own pairs, then the command line's flags.</summary>
    public WorkersSpec WithAwsSettings(string home, CommandLine? line)
    {
        if (Kind != "aws")
        {
            var flag = line is null ? null : AwsSettings.Flags.Keys.FirstOrDefault(f => line.Value(f) is not null);
            return flag is null ? this : throw new UsageException($"--{flag} is for AWS workers (--workers aws[:N]).");
        }

        var merged = AwsSettings.ReadFile(AwsSettings.SettingsFile(home));
        foreach (var (key, value) in Aws!)
        {
            merged[key] = value;
        }

        foreach (var (flag, key) in AwsSettings.Flags)
        {
            if (line?.Value(flag) is { } value)
            {
                merged[key] = value;
            }
        }

        _ = AwsSettings.ToOptions(merged); // every value is checked before anything starts
        return this with { Aws = merged };
    }

    /// <summary>Threads each local slot's Blender may use, sharing this machine's cores.</summary>
    public int ThreadsPerSlot => Math.Max(1, Environment.ProcessorCount / Math.Max(1, Slots));

    public override string ToString() => Kind switch
    {
        "ssh" => "ssh:" + HostsFile,
        "aws" => AwsSettings.Format(Aws!),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Kind}:{Slots}"),
    };

    /// <summary>Applies --shared-storage and --mount-command; they only make sense with SSH hosts.</summary>
    public WorkersSpec WithSharedStorage(string? folder, string? mountCommand)
    {
        if (folder is null)
        {
            return mountCommand is null ? this : throw new UsageException("--mount-command needs --shared-storage.");
        }

        if (Kind == "aws")
        {
            throw new UsageException("--shared-storage is for SSH hosts: for AWS, give the instances' mount command with --workers aws:mount-command=...");
        }

        if (Kind != "ssh")
        {
            throw new UsageException("--shared-storage is for SSH hosts (--workers ssh:HOSTS or --host).");
        }

        var full = Path.GetFullPath(folder);
        return Directory.Exists(full)
            ? this with { Shared = new BlenderFarm.Workers.Ssh.Sync.SharedStorage(full, mountCommand) }
            : throw new UsageException($"The shared storage folder {folder} does not exist here: mount it on this machine at the same path as on the hosts.");
    }
}

/// <summary>
/// How SSH hosts are reached: the default key for hosts without one, the user's known_hosts files, and whether an
/// unknown host's key may be accepted (and pinned in BlenderFarm's own known_hosts).
/// </summary>
internal sealed record SshSettings(string? Identity, IReadOnlyList<string> KnownHostsFiles, bool AcceptNewHostKeys)
{
    public static SshSettings Default { get; } = new(null, [Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts")], false);

    public static SshSettings FromCommandLine(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var knownHosts = line.Values("known-hosts");
        var identity = line.Value("identity");
        if (identity is not null && !File.Exists(identity))
        {
            throw new UsageException($"The key file {identity} given with --identity does not exist.");
        }

        return new SshSettings(identity is null ? null : Path.GetFullPath(identity), knownHosts.Count > 0 ? knownHosts : Default.KnownHostsFiles, line.Flag("accept-new-host-keys"));
    }
}
