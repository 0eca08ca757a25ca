using Renci.SshNet;
using Renci.SshNet.Common;

namespace BlenderFarm.Workers.Ssh.Security;

/// <summary>What a host's key exchange showed: its host key, or why it showed none (not answering yet, say).</summary>
public sealed record ScannedHostKey(byte[]? Key, string? Problem);

/// <summary>
/// Reads the host key a server presents without logging in: the key exchange is abandoned the moment the key is
/// seen, so nothing (no user name's key, no password) is sent to a host whose key is not checked yet.
/// </summary>
public static class HostKeyScan
{
    public static async Task<ScannedHostKey> PresentedKeyAsync(string host, int port, string user, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(host, port, user, new NoneAuthenticationMethod(user)) { Timeout = TimeSpan.FromSeconds(15) };
        using var client = new SshClient(info);
        byte[]? key = null;
        client.HostKeyReceived += (_, e) =>
        {
            key = e.HostKey;
            e.CanTrust = false; // stop here: nothing is sent to a host whose key is not yet checked
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (key is not null && e is SshConnectionException or SshException)
        {
            // Expected: the key exchange was refused on purpose once the key was seen.
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or SshException or TimeoutException)
        {
            return new ScannedHostKey(null, $"{host}:{port} does not answer SSH yet: {e.Message.TrimEnd('.')}.");
        }

        return key is null ? new ScannedHostKey(null, $"{host}:{port} closed the connection before showing its host key.") : new ScannedHostKey(key, null);
    }
}
