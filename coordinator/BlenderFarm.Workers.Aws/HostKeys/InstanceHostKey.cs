using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.HostKeys;

/// <summary>
/// Establishes trust in a new instance's SSH host key without trusting the network: waits for the fingerprints in the
/// instance's console output (which only the EC2 API serves), asks the instance for its key without logging in, and
/// pins the key in the farm's known_hosts only when it matches. A mismatch refuses the instance.
/// </summary>
public static class InstanceHostKey
{
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
    /// fingerprint is one of <paramref name="expected"/>, pins it in the farm's known_hosts.
    /// </summary>
    public static async Task PinAsync(HostSpec host, string instanceId, IReadOnlySet<string> expected, HostKeyPolicy hostKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(hostKeys);
        var presented = await PresentedKeyAsync(host, cancellationToken).ConfigureAwait(false);
        var fingerprint = KnownHosts.Fingerprint(presented);
        if (!expected.Contains(fingerprint))
        {
            throw new InstanceRefusedException(
                $"Instance {instanceId} at {host.Host} presented host key {fingerprint}, but its console output lists {string.Join(", ", expected)}: refusing it (someone may be intercepting the connection).");
        }

        hostKeys.PinVerified(host.KnownHostsName, presented);
    }

    /// <summary>
    /// Pins the instance's key when it presents the one handed to it through cloud-init at launch, and returns true;
    /// returns false when it presents another (an image without cloud-init keeps its own key): the caller then checks
    /// the key against the console output instead.
    /// </summary>
    public static async Task<bool> PinHandedKeyAsync(HostSpec host, string handedPublicKeyLine, HostKeyPolicy hostKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(handedPublicKeyLine);
        ArgumentNullException.ThrowIfNull(hostKeys);
        var presented = await PresentedKeyAsync(host, cancellationToken).ConfigureAwait(false);
        var handed = Convert.FromBase64String(handedPublicKeyLine.Split(' ')[1]);
        if (!presented.AsSpan().SequenceEqual(handed))
        {
            return false;
        }

        hostKeys.PinVerified(host.KnownHostsName, presented);
        return true;
    }

    private static async Task<byte[]> PresentedKeyAsync(HostSpec host, CancellationToken cancellationToken)
    {
        var scanned = await HostKeyScan.PresentedKeyAsync(host.Host, host.Port, host.User, cancellationToken).ConfigureAwait(false);
        return scanned.Key ?? throw new InstanceUnreachableException(scanned.Problem ?? $"{host.Host}:{host.Port} showed no host key.");
    }
}
