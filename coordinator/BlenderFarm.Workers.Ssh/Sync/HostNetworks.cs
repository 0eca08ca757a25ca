using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>
/// Prepares every host of a job, sending the job's files once per network: hosts that share a <c>network=</c> name
/// get them from this machine through the first of them (the seed), and the others fetch them from the seed
/// (<see cref="PeerShare"/>, <see cref="PeerFetch"/>). Hosts without a network, and every host when the job is on
/// shared storage, are prepared on their own as before. Networks and lone hosts are prepared in parallel.
/// </summary>
public static class HostNetworks
{
    /// <summary>Returns the prepared hosts in the order given; throws <see cref="SshFailure"/> as <see cref="SshWorkerHost.PrepareAsync"/> does.</summary>
    public static async Task<IReadOnlyList<SshWorkerHost>> PrepareAsync(IReadOnlyList<HostSpec> hosts, SshHostOptions options, JobFiles files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(options);
        var indexed = hosts.Select((host, index) => (Host: host, Index: index)).ToList();
        var groups = options.Shared is null
            ? indexed.GroupBy(h => h.Host.Network ?? "\0" + h.Index, StringComparer.Ordinal).Select(g => g.ToList()).ToList()
            : [.. indexed.Select(h => new List<(HostSpec Host, int Index)> { h })];
        var prepared = await Task.WhenAll(groups.Select(async g => g.Select(h => h.Index).Zip(await PrepareGroupAsync([.. g.Select(h => h.Host)], options, files, cancellationToken).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. prepared.SelectMany(g => g).OrderBy(p => p.First).Select(p => p.Second)];
    }

    private static async Task<IReadOnlyList<SshWorkerHost>> PrepareGroupAsync(List<HostSpec> group, SshHostOptions options, JobFiles files, CancellationToken cancellationToken)
    {
        var seed = await SshWorkerHost.PrepareAsync(group[0], options, files, cancellationToken).ConfigureAwait(false);
        if (group.Count == 1)
        {
            return [seed];
        }

        PeerShare? share = null;
        try
        {
            share = await PeerShare.OpenAsync(seed.Host, options.HostKeys, seed.Facts.WorkFolder, files, options.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (SshFailure e)
        {
            options.Warn($"the hosts of network '{seed.Host.Network}' get the job from this machine: {e.Message.TrimEnd('.')}");
        }

        try
        {
            var peers = await Task.WhenAll(group.Skip(1).Select(h => SshWorkerHost.PrepareAsync(h, options, files, cancellationToken, share))).ConfigureAwait(false);
            return [seed, .. peers];
        }
        finally
        {
            if (share is not null)
            {
                await share.CloseAsync(options.Warn).ConfigureAwait(false);
            }
        }
    }
}
