using System.Security.Cryptography;
using System.Text;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>What a test sees of one fake instance: a snapshot, safe to keep.</summary>
internal sealed record FakeInstanceView(
    string Id,
    string Type,
    string Zone,
    string State,
    string Address,
    IReadOnlyDictionary<string, string> Tags,
    string? KeyName,
    IReadOnlyList<string> SecurityGroupIds,
    string? UserData,
    string HttpTokens,
    int HopLimit,
    string? MarketType,
    string? SpotInstanceType,
    string? InterruptionBehavior,
    DateTime LaunchedAt,
    string Folder,
    string Home);

/// <summary>One launched instance: its EC2 description and the sshd that plays the machine. Guarded by the fake's lock.</summary>
internal sealed class FakeInstance
{
    public required string Id { get; init; }
    public required string ReservationId { get; init; }
    public required string ImageId { get; init; }
    public required string Type { get; init; }
    public required string Zone { get; init; }
    public required string Address { get; init; }
    public required string Folder { get; init; }
    public required DateTime LaunchedAt { get; init; }
    public string? ClientToken { get; init; }
    public string? KeyName { get; init; }
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }
    public string? UserData { get; init; }
    public required string HttpTokens { get; init; }
    public required int HopLimit { get; init; }
    public required string HttpEndpoint { get; init; }
    public string? MarketType { get; init; }
    public string? SpotInstanceType { get; init; }
    public string? InterruptionBehavior { get; init; }
    public string? SpotRequestId { get; init; }
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>pending, running, shutting-down or terminated.</summary>
    public string State
    {
        get;
        set
        {
            field = value;
            if (value == "terminated")
            {
                TerminatedAt = DateTime.UtcNow;
            }
        }
    } = "pending";

    /// <summary>When the instance became terminated (DescribeInstances forgets it a while later).</summary>
    public DateTime TerminatedAt { get; private set; } = DateTime.MaxValue;

    /// <summary>The sshd, once started.</summary>
    public SshHosts.Host? Host { get; set; }

    /// <summary>Starting the sshd (in the background, so RunInstances returns at once).</summary>
    public Task Started { get; set; } = Task.CompletedTask;

    /// <summary>When set, the instance prints this public key line to its console instead of its real host key's.</summary>
    public string? ConsoleKeyLineOverride { get; set; }

    /// <summary>The time of the spot interruption notice, once interrupted.</summary>
    public DateTime? InterruptionTime { get; set; }

    public string Home => Path.Combine(Folder, "home");

    public int StateCode => State switch
    {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    };

    public FakeInstanceView View() => new(Id, Type, Zone, State, Address, new Dictionary<string, string>(Tags, StringComparer.Ordinal), KeyName,
        SecurityGroupIds, UserData, HttpTokens, HopLimit, MarketType, SpotInstanceType, InterruptionBehavior, LaunchedAt, Folder, Home);

    /// <summary>What cloud-init prints to the serial console: the host key's fingerprint and the key itself.</summary>
    public string ConsoleText()
    {
        var keyLine = ConsoleKeyLineOverride ?? Host?.PublicKeyLine ?? throw new InvalidOperationException("The instance has no host key yet.");
        var name = "root@ip-" + Address.Replace('.', '-');
        return $"""
            [   12.345678] cloud-init[812]: Cloud-init v. 23.1 running 'modules:final' at {LaunchedAt:ddd, dd MMM yyyy HH:mm:ss} +0000. Up 12.01 seconds.
            ec2: 
            ec2: #############################################################
            ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
            ec2: 256 {Fingerprint(keyLine)} {name} (ED25519)
            ec2: -----END SSH HOST KEY FINGERPRINTS-----
            ec2: #############################################################
            -----BEGIN SSH HOST KEY KEYS-----
            {keyLine} {name}
            -----END SSH HOST KEY KEYS-----
            [   13.456789] cloud-init[812]: Cloud-init v. 23.1 finished at {LaunchedAt:ddd, dd MMM yyyy HH:mm:ss} +0000. Datasource DataSourceEc2Local.  Up 13.40 seconds

            """.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>"SHA256:..." of an OpenSSH public key line, as <c>ssh-keygen -l</c> prints it.</summary>
    public static string Fingerprint(string publicKeyLine) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(publicKeyLine.Split(' ')[1]))).TrimEnd('=');

    /// <summary>A fresh id of EC2's shape: the prefix and 17 hex digits.</summary>
    public static string NewId(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9))[..17];

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
