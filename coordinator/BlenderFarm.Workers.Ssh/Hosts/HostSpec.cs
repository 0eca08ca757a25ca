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
    /// <summary><c>user@host:port</c>, how the host is named in messages and slot ids.</summary>
    public string Name => Port == 22 ? $"{User}@{Host}" : string.Create(CultureInfo.InvariantCulture, $"{User}@{Host}:{Port}");

    /// <summary>The host as known_hosts writes it: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public string KnownHostsName => Port == 22 ? Host : string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}");
}
