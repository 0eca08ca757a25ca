using Amazon.EC2;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Workers.Ssh;
using BlenderFarm.Workers.Ssh.Sync;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>What a job's spot fleet needs: EC2, the options, the job's files, and how its SSH hosts are prepared.</summary>
/// <param name="FarmsFolder">Where each farm keeps its private key and pinned host keys (one subfolder per farm, 0600 files).</param>
/// <param name="HostOptions">SSH host options for the job; the fleet replaces the host key policy with the farm's pinned keys.</param>
public sealed record FleetSetup(IAmazonEC2 Ec2, AwsOptions Options, string JobId, string FarmsFolder, JobFiles Files, SshHostOptions HostOptions, TimeProvider Time, ILogger Logger)
{
    /// <summary>True when another coordinator holds that job now: its instances are not orphans.</summary>
    public Func<string, bool> IsJobActiveElsewhere { get; init; } = _ => false;

    /// <summary>
    /// The owner's S3 store holding the job's files, and through which frames come back; null: SFTP both ways. Left
    /// null, <see cref="SpotFleet.PrepareAsync"/> uploads the files (when storage is on) after the image and price checks.
    /// </summary>
    public Storage.ContentStore? Store { get; init; }

    /// <summary>Also told how the job files' upload stands (the add-on's panel), besides the log's progress line.</summary>
    public IProgress<Storage.TransferProgress>? UploadProgress { get; init; }

    /// <summary>The job's .blend as named in sentences about it.</summary>
    public string BlendFileName { get; init; } = "the scene";

    /// <summary>The release that saved the job's .blend: an instance with an older major Blender is refused, an older minor warned about; null: unknown.</summary>
    public BlenderRelease? SavedBy { get; init; }

    public string FarmFolder(string farmId) => Path.Combine(FarmsFolder, farmId);
}
