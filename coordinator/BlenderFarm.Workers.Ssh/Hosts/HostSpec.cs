using System.Globalization;

namespace BlenderFarm.Workers.Ssh.Hosts;

/// <summary>One SSH worker host as the user described it.</summary>
public sealed record HostSpec(
    string User,
    string Host,
    int Port,
    string? IdentityFile,
    string? PassphraseVariable,
    string BlenderPath,
    int? Slots,
    string? WorkFolder)
{
    /// <summary>
    /// The network this host shares with others of the same name: the job's files go from this machine to the first
    /// host of a network only, and the others fetch them from it (null: the host gets its own copy).
    /// </summary>
    public string? Network { get; init; }

    /// <summary>Where the other hosts of its network reach this host's sshd, when not at <see cref="Host"/>:<see cref="Port"/>.</summary>
    public (string Host, int Port)? PeerAddress { get; init; }

    /// <summary>The authorized_keys file this host's sshd reads for <see cref="User"/> (peers' short-lived keys go there).</summary>
    public string AuthorizedKeysFile { get; init; } = "~/.ssh/authorized_keys";

    /// <summary><c>user@host:port</c>, how the host is named in messages and slot ids.</summary>
    public string Name => Port == 22 ? $"{User}@{Host}" : string.Create(CultureInfo.InvariantCulture, $"{User}@{Host}:{Port}");

    /// <summary>The host as known_hosts writes it: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public string KnownHostsName => Port == 22 ? Host : string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}");
}
