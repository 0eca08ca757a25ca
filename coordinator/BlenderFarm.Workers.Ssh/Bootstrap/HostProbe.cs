using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Ssh.Bootstrap;

/// <summary>Asks a host where home is, which Blender it has, and which GPUs.</summary>
public static class HostProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<HostFacts> ProbeAsync(SshConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = connection.Host;
        var (_, home, _) = await connection.RunAsync("printf '%s' \"$HOME\"", Timeout, cancellationToken).ConfigureAwait(false);
        var blender = RemotePath(host.BlenderPath);
        var (code, version, error) = await connection.RunAsync($"{blender} --version", Timeout, cancellationToken).ConfigureAwait(false);
        var versionLine = version.Split('\n').FirstOrDefault(l => l.StartsWith("Blender ", StringComparison.Ordinal))?.Trim();
        if (code != 0 || versionLine is null)
        {
            var said = (error + version).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {code}";
            throw new SshFailure($"Blender was not found on {host.Name} as '{host.BlenderPath}' ({said}): install it there or set blender=PATH for the host.");
        }

        var (_, gpuCsv, _) = await connection.RunAsync(GpuInventory.Query + " 2>/dev/null", Timeout, cancellationToken).ConfigureAwait(false);
        var work = host.WorkFolder is { } folder ? ExpandHome(folder, home) : home.TrimEnd('/') + "/.cache/blenderfarm";
        return new HostFacts(home, work, versionLine["Blender ".Length..], GpuInventory.Parse(gpuCsv));
    }

    /// <summary>A path for a remote script: quoted, with a leading <c>~/</c> kept expandable and a leading '-' made <c>./-</c>.</summary>
    public static string RemotePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.StartsWith("~/", StringComparison.Ordinal) ? "\"$HOME\"/" + ShellQuote.Quote(path[2..]) : RemoteScript.Path(path);
    }

    private static string ExpandHome(string path, string home) =>
        path.StartsWith("~/", StringComparison.Ordinal) ? home.TrimEnd('/') + path[1..] : path;
}
