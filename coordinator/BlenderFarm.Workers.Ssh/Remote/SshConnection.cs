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

    /// <summary>The longest an SFTP request (one rename, delete, or one block of a transfer) may go unanswered.</summary>
    private static readonly TimeSpan SftpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Extra time SSH.NET gets beyond a command's own timeout before the wait is abandoned (its Execute can deadlock).</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private readonly SshClient _ssh;
    private readonly SftpClient _sftp;
    private readonly CancellationTokenSource _lost = new();

    private SshConnection(HostSpec host, SshClient ssh, SftpClient sftp, byte[] hostKey)
    {
        Host = host;
        HostKey = hostKey;
        _ssh = ssh;
        _sftp = sftp;
    }

    public HostSpec Host { get; }

    /// <summary>The host key this connection checked and trusted (SSH wire format), for pinning it elsewhere.</summary>
    public IReadOnlyList<byte> HostKey { get; }

    /// <summary>
    /// Cancelled once the host counts as lost (<see cref="MarkLost"/>) or the connection is disposed: every wait on
    /// this connection watches it, because SSH.NET does not end a channel's streams when the server stops answering.
    /// </summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>The host stopped answering: every read, write and command on this connection ends now.</summary>
    public void MarkLost()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already disposed, which ended everything
        }
    }

    public static async Task<SshConnection> ConnectAsync(HostSpec host, HostKeyPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var ssh = new SshClient(CreateInfo(host, policy));
        var sftp = new SftpClient(CreateInfo(host, policy));
        sftp.OperationTimeout = SftpTimeout;
        try
        {
            var hostKey = await ConnectOneAsync(ssh, host, policy, cancellationToken).ConfigureAwait(false);
            await ConnectOneAsync(sftp, host, policy, cancellationToken).ConfigureAwait(false);
            return new SshConnection(host, ssh, sftp, hostKey);
        }
        catch
        {
            ssh.Dispose();
            sftp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs a POSIX shell script and returns its exit code and output; throws <see cref="SshFailure"/> if the link fails.
    /// The script never meets the user's login shell: see <see cref="RemoteScript"/>.
    /// </summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(string script, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var command = _ssh.CreateCommand(RemoteScript.Command, Encoding.UTF8);
        command.CommandTimeout = timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
        deadline.CancelAfter(timeout + Grace);
        try
        {
            // WaitAsync: SSH.NET's Execute can deadlock (#1506) and ignore both its timeout and the token.
            var execution = command.ExecuteAsync(deadline.Token);
            await using (var input = command.CreateInputStream())
            {
                await input.WriteAsync(RemoteScript.Whole(script), deadline.Token).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
            }

            await execution.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshFailure($"{Host.Name} did not finish a command within {timeout.TotalSeconds:0} s{(Lost.IsCancellationRequested ? " (the host stopped answering)" : "")}.", e);
        }
        catch (Exception e) when (e is SshException or SocketException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            throw new SshFailure($"The connection to {Host.Name} failed: {e.Message}", e);
        }

        return (command.ExitStatus ?? -1, command.Result, command.Error);
    }

    /// <summary>
    /// Starts a long-running POSIX shell script with its stdin and stdout streamed (for the Blender worker): the script
    /// goes first on stdin and should end by exec-ing the program that reads the rest of stdin.
    /// </summary>
    public SshProcess Start(string script) => SshProcess.Start(_ssh, Host.Name, script, Lost);

    public async Task UploadAsync(string localPath, string remotePath, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(localPath);
        await UploadAsync(file, remotePath, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads <paramref name="content"/>; fails once no byte moved for <see cref="SftpTimeout"/>, however large the file.</summary>
    public Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken) =>
        Sftp(async (stalled, token) =>
        {
            await using var watched = new ProgressStream(content, stalled, SftpTimeout);
            await _sftp.UploadFileAsync(watched, remotePath, token).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Downloads to <paramref name="localPath"/>; fails once no byte moved for <see cref="SftpTimeout"/>, however large the file.</summary>
    public async Task DownloadAsync(string remotePath, string localPath, CancellationToken cancellationToken)
    {
        await using var file = File.Create(localPath);
        await Sftp(async (stalled, token) =>
        {
            await using var watched = new ProgressStream(file, stalled, SftpTimeout);
            await _sftp.DownloadFileAsync(remotePath, watched, token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task RenameAsync(string from, string to, CancellationToken cancellationToken) =>
        Sftp((_, token) => _sftp.RenameFileAsync(from, to, token), cancellationToken);

    public Task DeleteAsync(string remotePath, CancellationToken cancellationToken) =>
        Sftp((_, token) => _sftp.DeleteFileAsync(remotePath, token), cancellationToken);

    public void Dispose()
    {
        MarkLost();
        _ssh.Dispose();
        _sftp.Dispose();
        _lost.Dispose();
    }

    /// <summary>
    /// Runs one SFTP call under a stall deadline: <see cref="SftpTimeout"/> without progress (the call's start, or a
    /// block moved, restarts it) ends the wait, as does <see cref="Lost"/>, even if SSH.NET ignores its token.
    /// </summary>
    private async Task Sftp(Func<CancellationTokenSource, CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lost);
        stalled.CancelAfter(SftpTimeout);
        try
        {
            await call(stalled, stalled.Token).WaitAsync(stalled.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SshFailure($"A file transfer with {Host.Name} made no progress for {SftpTimeout.TotalSeconds:0} s{(Lost.IsCancellationRequested ? " (the host stopped answering)" : "")}.", e);
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

    /// <summary>Connects and returns the host key it trusted.</summary>
    private static async Task<byte[]> ConnectOneAsync(BaseClient client, HostSpec host, HostKeyPolicy policy, CancellationToken cancellationToken)
    {
        string? refusal = null;
        byte[] trusted = [];
        client.HostKeyReceived += (_, e) =>
        {
            refusal = policy.Check(host.Name, host.KnownHostsName, e.HostKey);
            e.CanTrust = refusal is null;
            trusted = e.CanTrust ? e.HostKey : [];
        };
        // SSH.NET's timeout covers each step; this bounds the whole handshake, which a host that accepts TCP but never answers would stretch.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectTimeout + ConnectTimeout);
        try
        {
            await client.ConnectAsync(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
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

        return trusted;
    }
}
