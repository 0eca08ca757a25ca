using System.Globalization;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// Runs a small loop on the instance that asks IMDSv2 (token first, then <c>spot/instance-action</c>) for a spot
/// interruption notice every few seconds. The metadata address can be overridden on the instance with
/// BLENDERFARM_IMDS (tests give each fake instance its own).
/// </summary>
public static class InterruptionWatcher
{
    private const string NoticeMarker = "@@BF-NOTICE ";

    public static string Script(TimeSpan poll) => string.Create(CultureInfo.InvariantCulture, $$"""
        base="${BLENDERFARM_IMDS:-http://169.254.169.254}"
        while :; do
          token=$(curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$base/latest/api/token" 2>/dev/null) || token=
          if [ -n "$token" ]; then
            notice=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "$base/latest/meta-data/spot/instance-action" 2>/dev/null) && { printf '{{NoticeMarker}}%s\n' "$notice"; exit 0; }
          fi
          printf '@@BF-ALIVE\n'
          sleep {{poll.TotalSeconds:0.###}}
        done
        """);

    /// <summary>Returns the notice (EC2's JSON) when one comes, or null when the instance stops answering.</summary>
    public static async Task<string?> WaitForNoticeAsync(HostSpec host, HostKeyPolicy hostKeys, TimeSpan poll, CancellationToken cancellationToken)
    {
        using var connection = await SshConnection.ConnectAsync(host, hostKeys, cancellationToken).ConfigureAwait(false);
        await using var loop = connection.Start("sh -c " + ShellQuote.Quote(Script(poll)));
        while (await loop.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith(NoticeMarker, StringComparison.Ordinal))
            {
                return line[NoticeMarker.Length..];
            }
        }

        return null;
    }
}
