using BlenderFarm.Workers.Ssh.Bootstrap;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>Makes a fresh instance able to render: mounts shared storage, finds Blender, or installs the official build (checksum verified) when the image lacks it.</summary>
public static class InstanceBootstrap
{
    /// <summary>
    /// Over one connection: runs the user's mount command if there is one (e.g. an EFS or NFS mount of an asset
    /// library the scene uses by absolute path), then finds Blender or installs it. Returns the Blender path to use.
    /// </summary>
    /// <param name="installing">Called when Blender is missing and its download begins.</param>
    public static async Task<string> PrepareAsync(HostSpec host, HostKeyPolicy hostKeys, AwsOptions options, Action installing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(installing);
        using var connection = await SshConnection.ConnectAsync(host, hostKeys, cancellationToken).ConfigureAwait(false);
        if (options.MountCommand is { } mount)
        {
            var (mounted, _, mountError) = await connection.RunAsync(mount, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
            if (mounted != 0)
            {
                throw new SshFailure($"The mount command failed on {host.Host} (exit {mounted}): {mountError.Trim()}");
            }
        }

        var configured = HostProbe.RemotePath(options.BlenderPath);
        var (found, _, _) = await connection.RunAsync($"command -v {configured} >/dev/null 2>&1 || test -x {configured}", TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (found == 0)
        {
            return options.BlenderPath;
        }

        installing();
        var (code, _, error) = await connection.RunAsync("sh -c " + ShellQuote.Quote(BlenderInstall.Script(options)), TimeSpan.FromMinutes(15), cancellationToken).ConfigureAwait(false);
        return code == 0 ? "~/blender/blender" : throw BlenderInstall.Failure(host.Host, options, code, error);
    }
}
