namespace BlenderFarm.Workers.Ssh.Bootstrap;

/// <summary>What bootstrap learned about a host.</summary>
public sealed record HostFacts(string Home, string WorkFolder, string BlenderVersion, IReadOnlyList<Gpu> Gpus);
