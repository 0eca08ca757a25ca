using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Security;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace BlenderFarm.Workers.Aws.HostKeys;

/// <summary>
/// Establishes trust in a new instance's SSH host key without trusting the network: waits for the fingerprints in the
/// instance's console output (which only the EC2 API serves), asks the instance for its key without logging in, and
/// pins the key in the farm's known_hosts only when it matches. A mismatch refuses the instance.
/// </summary>
public static class InstanceHostKey
{
    private static readonly SemaphoreSlim PinGate = new(1, 1);

    public static async Task<IReadOnlySet<string>> WaitForFingerprintsAsync(IAmazonEC2 ec2, string instanceId, TimeSpan timeout, TimeSpan poll, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            GetConsoleOutputResponse? console = null;
            try
            {
                console = await Ec2Access.CallAsync($"reading the console output of {instanceId}", () =>
                    ec2.GetConsoleOutputAsync(new GetConsoleOutputRequest { InstanceId = instanceId, Latest = true }, cancellationToken)).ConfigureAwait(false);
            }
            catch (BlenderFarm.Blender.UserFacingException e) when (Ec2Access.IsNotYetVisible(e) && time.GetUtcNow() < deadline)
            {
                // EC2 is eventually consistent: a new instance may be unknown for a few seconds.
            }

            if (!string.IsNullOrEmpty(console?.Output))
            {
                var fingerprints = ConsoleFingerprints.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(console!.Output)));
                if (fingerprints.Count > 0)
                {
                    return fingerprints;
                }
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new InstanceRefusedException($"Instance {instanceId} printed no SSH host key fingerprints to its console within {timeout.TotalMinutes:0.#} minutes, so its key cannot be checked: refusing it.");
            }

            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Fetches the host key the instance presents (the key exchange is abandoned before any login) and, if its
    /// fingerprint is one of <paramref name="expected"/>, pins it in <paramref name="knownHostsFile"/>.
    /// </summary>
    public static async Task PinAsync(HostSpec host, string instanceId, IReadOnlySet<string> expected, string knownHostsFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(expected);
        var presented = await PresentedKeyAsync(host, cancellationToken).ConfigureAwait(false);
        var fingerprint = KnownHosts.Fingerprint(presented);
        if (!expected.Contains(fingerprint))
        {
            throw new InstanceRefusedException(
                $"Instance {instanceId} at {host.Host} presented host key {fingerprint}, but its console output lists {string.Join(", ", expected)}: refusing it (someone may be intercepting the connection).");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(knownHostsFile)!);
        await PinGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Instances boot side by side; two appends at once would collide on the file's lock.
            await File.AppendAllTextAsync(knownHostsFile, KnownHosts.Line(host.KnownHostsName, KnownHosts.KeyType(presented), presented) + "\n", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            PinGate.Release();
        }
    }

    private static async Task<byte[]> PresentedKeyAsync(HostSpec host, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(host.Host, host.Port, host.User, new NoneAuthenticationMethod(host.User)) { Timeout = TimeSpan.FromSeconds(15) };
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
            throw new InstanceUnreachableException($"{host.Host}:{host.Port} does not answer SSH yet: {e.Message.TrimEnd('.')}.", e);
        }

        return key ?? throw new InstanceUnreachableException($"{host.Host}:{host.Port} closed the connection before showing its host key.");
    }
}
