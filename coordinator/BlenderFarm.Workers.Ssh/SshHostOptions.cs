using BlenderFarm.Workers.Ssh.Security;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Workers.Ssh;

/// <summary>What every SSH host of a job shares: host key policy and the job's identity on the hosts.</summary>
public sealed record SshHostOptions(HostKeyPolicy HostKeys, string JobId, string FileFormat, string WorkerScript)
{
    /// <summary>How often a rendering slot proves its host still answers.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a ping may take before the host counts as gone.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for pings, their deadlines and the back-off between reconnects (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>When set, job files and frames go through this shared folder instead of SFTP.</summary>
    public SharedStorage? Shared { get; init; }

    /// <summary>The job's folder on <see cref="Shared"/>, prepared once for all hosts.</summary>
    public SharedJobFolder? SharedJob { get; init; }

    /// <summary>Where warnings about a host go (a GPU slot that Cycles could only run on the CPU, say).</summary>
    public Action<string> Warn { get; init; } = _ => { };

    /// <summary>How long Blender may take to start and load the scene on a host.</summary>
    public TimeSpan LoadTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
