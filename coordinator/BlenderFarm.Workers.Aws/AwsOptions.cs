namespace BlenderFarm.Workers.Aws;

/// <summary>
/// How a job's spot instances are launched and run. Built from <c>--workers aws[:N]</c>, the AWS settings file and
/// flags; every field has a default an artist can live with except the money limit, which is always explicit.
/// </summary>
public sealed record AwsOptions
{
    /// <summary>Region; null: AWS_REGION / AWS_DEFAULT_REGION, then the profile's region.</summary>
    public string? Region { get; init; }

    /// <summary>Named profile in ~/.aws/credentials or ~/.aws/config; null: AWS_PROFILE, then "default".</summary>
    public string? Profile { get; init; }

    /// <summary>The instance types a launch may use; each launch offers EC2 all of them (in every zone) and EC2 picks.</summary>
    public IReadOnlyList<string> InstanceTypes { get; init; } = ["g4dn.xlarge", "g5.xlarge", "g6.xlarge"];

    /// <summary>Availability zones to try in order; empty: let EC2 choose.</summary>
    public IReadOnlyList<string> Zones { get; init; } = [];

    public int MaxInstances { get; init; } = 2;

    /// <summary>The job stops launching and tears its instances down before it would cost more than this (USD).</summary>
    public double MaxCostUsd { get; init; } = 10;

    /// <summary>An AMI id; when null the newest image matching <see cref="AmiOwner"/> and <see cref="AmiName"/> is used.</summary>
    public string? AmiId { get; init; }

    /// <summary>AWS's Deep Learning base image: Ubuntu 22.04 with the NVIDIA driver, so Cycles finds the GPU.</summary>
    public string AmiOwner { get; init; } = "amazon";

    public string AmiName { get; init; } = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *";

    /// <summary>Login user of the AMI.</summary>
    public string SshUser { get; init; } = "ubuntu";

    public int SshPort { get; init; } = 22;

    /// <summary>Blender on the instance: a command in PATH or a path; installed from <see cref="BlenderDownload"/> when missing.</summary>
    public string BlenderPath { get; init; } = "blender";

    /// <summary>
    /// Official Linux build, downloaded by the instance itself when its image has no Blender. A job sets it to the
    /// release that saved its .blend (<see cref="Fleet.OfficialBlender"/>) unless the user gave a URL.
    /// </summary>
    public Uri BlenderDownload { get; init; } = new("https://download.blender.org/release/Blender4.2/blender-4.2.3-linux-x64.tar.xz");

    /// <summary>A Blender version the user pinned (X.Y or X.Y.Z) instead of the file's release; null: the file's.</summary>
    public string? BlenderVersion { get; init; }

    /// <summary>Where official releases are downloaded from: Blender's site or a mirror with its layout.</summary>
    public Uri BlenderMirror { get; init; } = Fleet.OfficialBlender.Mirror;

    /// <summary>The download's official SHA-256 (lowercase hex); null: read from the checksum file Blender publishes beside it.</summary>
    public string? BlenderSha256 { get; init; }

    /// <summary>Who may reach port 22, e.g. 203.0.113.7/32; null: this machine's public address, looked up at <see cref="CallerAddressService"/>.</summary>
    public string? CallerCidr { get; init; }

    public Uri CallerAddressService { get; init; } = new("https://checkip.amazonaws.com/");

    /// <summary>EC2 endpoint override (a VPC endpoint, or a test double); null: the region's public endpoint.</summary>
    public Uri? ServiceUrl { get; init; }

    /// <summary>How long instances stay after the job ended before they are terminated.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.Zero;

    /// <summary>An instance with nothing to do while no frame is queued is terminated after this long.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often each instance's watcher asks IMDSv2 for a spot interruption notice (AWS suggests 5 s).</summary>
    public TimeSpan InterruptionPoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How each instance's SSH host key becomes trusted before the first login.</summary>
    public HostKeySource HostKeys { get; init; } = HostKeySource.CloudInit;

    /// <summary>How long to wait for an instance's host key fingerprints to appear in its console output.</summary>
    public TimeSpan ConsoleOutputTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an instance may take from launch to accepting SSH.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the fleet checks capacity, cost and idleness.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Shell command run on each instance to mount shared storage (e.g. an EFS mount); null: files go over SFTP.</summary>
    public string? MountCommand { get; init; }

    /// <summary>Job files go up once to the owner's S3 bucket and instances fetch them there; null: SFTP to each instance.</summary>
    public Storage.StorageOptions? Storage { get; init; }
}

/// <summary>Where an instance's SSH host key comes from.</summary>
public enum HostKeySource
{
    /// <summary>
    /// A key made here for this instance alone, handed to it at launch through cloud-init user data and pinned before
    /// it boots; an instance that presents another key (an image without cloud-init) is checked against its console.
    /// </summary>
    CloudInit,

    /// <summary>The instance's own key, trusted when it matches a fingerprint in its console output (minutes on GPU types).</summary>
    Console,
}
