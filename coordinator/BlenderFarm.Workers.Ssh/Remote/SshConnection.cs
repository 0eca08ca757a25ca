using System.Net.Sockets;
using System.Text;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Security;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>
/// One authenticated SSH connection to a host, with its host key checked by <see cref="HostKeyPolicy"/>, plus an
/// SFTP session on a connection of its own (SSH.NET connections are not safe for parallel transfers). Every remote
/// call has a timeout. SSH.NET types do not leave this folder.
/// </summary>
public sealed class SshConnection : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private readonly SshClient _ssh;
    private readonly SftpClient _sftp;

    private SshConnection(HostSpec host, SshClient ssh, SftpClient sftp)
    {
        Host = host;
        _ssh = ssh;
        _sftp = sftp;
    }

    public HostSpec Host { get; }

    public static async Task<SshConnection> ConnectAsync(HostSpec host, HostKeyPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var ssh = new SshClient(CreateInfo(host, policy));
        var sftp = new SftpClient(CreateInfo(host, policy));
        try
        {
            await ConnectOneAsync(ssh, host, policy, cancellationToken).ConfigureAwait(false);
            await ConnectOneAsync(sftp, host, policy, cancellationToken).ConfigureAwait(false);
            return new SshConnection(host, ssh, sftp);
        }
        catch
        {
            ssh.Dispose();
            sftp.Dispose();
            throw;
        }
    }

    /// <summary>Runs a shell command line and returns its exit code and output; throws <see cref="SshFailure"/> if the link fails.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(string commandLine, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var command = _ssh.CreateCommand(commandLine, Encoding.UTF8);
        command.CommandTimeout = timeout;
        try
        {
            await command.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw new SshFailure($"The connection to {Host.Name} failed: {e.Message}", e);
        }

        return (command.ExitStatus ?? -1, command.Result, command.Error);
    }

    /// <summary>Starts a long-running command with its stdin and stdout streamed (for the Blender worker).</summary>
    public SshProcess Start(string commandLine) => SshProcess.Start(_ssh, Host.Name, commandLine);

    public async Task UploadAsync(string localPath, string remotePath, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(localPath);
        await UploadAsync(file, remotePath, cancellationToken).ConfigureAwait(false);
    }

    public Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken) =>
        Sftp(() => _sftp.UploadFileAsync(content, remotePath, cancellationToken));

    public async Task DownloadAsync(string remotePath, string localPath, CancellationToken cancellationToken)
    {
        await using var file = File.Create(localPath);
        await Sftp(() => _sftp.DownloadFileAsync(remotePath, file, cancellationToken)).ConfigureAwait(false);
    }

    public Task RenameAsync(string from, string to, CancellationToken cancellationToken) =>
        Sftp(() => _sftp.RenameFileAsync(from, to, cancellationToken));

    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        Sftp(() => _sftp.DeleteFileAsync(remotePath, cancellationToken));

    public void Dispose()
    {
        _ssh.Dispose();
        _sftp.Dispose();
    }

    private async Task Sftp(Func<Task> transfer)
    {
        try
        {
            await transfer().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            throw new SshFailure($"A file transfer with {Host.Name} failed: {e.Message}", e);
        }
    }

    private static ConnectionInfo CreateInfo(HostSpec host, HostKeyPolicy policy)
    {
        var info = new ConnectionInfo(host.Host, host.Port, host.User, new PrivateKeyAuthenticationMethod(host.User, LoadKey(host)))
        {
            Timeout = ConnectTimeout,
            ChannelCloseTimeout = TimeSpan.FromSeconds(2),
        };

        // Ask only for the key types known_hosts has for this host, so a host with several keys is checked against the one we know.
        var knownTypes = policy.KnownKeyTypes(host.KnownHostsName);
        if (knownTypes.Count > 0)
        {
            foreach (var algorithm in info.HostKeyAlgorithms.Keys.ToList().Where(a => !knownTypes.Contains(KeyTypeOf(a))))
            {
                info.HostKeyAlgorithms.Remove(algorithm);
            }
        }

        return info;
    }

    private static string KeyTypeOf(string algorithm) => algorithm is "rsa-sha2-512" or "rsa-sha2-256" ? "ssh-rsa" : algorithm;

    private static PrivateKeyFile LoadKey(HostSpec host)
    {
        var path = host.IdentityFile ?? throw new SshFailure($"No key file is given for {host.Name}: add key=PATH to its line in the hosts file, or pass --identity.");
        if (!File.Exists(path))
        {
            throw new SshFailure($"The key file {path} for {host.Name} does not exist.");
        }

        var passphrase = host.PassphraseVariable is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
        try
        {
            return passphrase is null ? new PrivateKeyFile(path) : new PrivateKeyFile(path, passphrase);
        }
        catch (SshPassPhraseNullOrEmptyException e)
        {
            throw new SshFailure($"The key file {path} for {host.Name} is protected by a passphrase: put it in an environment variable and name it with passphrase-env=VARIABLE.", e);
        }
        catch (SshException e)
        {
            throw new SshFailure($"The key file {path} for {host.Name} cannot be used: {e.Message.TrimEnd('.')} (is the passphrase right?).", e);
        }
    }

    private static async Task ConnectOneAsync(BaseClient client, HostSpec host, HostKeyPolicy policy, CancellationToken cancellationToken)
    {
        string? refusal = null;
        client.HostKeyReceived += (_, e) =>
        {
            refusal = policy.Check(host.Name, host.KnownHostsName, e.HostKey);
            e.CanTrust = refusal is null;
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (refusal is not null)
        {
            throw new SshFailure(refusal, e);
        }
        catch (SshAuthenticationException e)
        {
            throw new SshFailure($"Host {host.Name} refused the key {host.IdentityFile} for user {host.User}.", e);
        }
        catch (Exception e) when (e is SocketException or SshOperationTimeoutException or SshConnectionException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new SshFailure($"Host {host.Name} cannot be reached: {e.Message.TrimEnd('.')}.", e);
        }
    }
}
