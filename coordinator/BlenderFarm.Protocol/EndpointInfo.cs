namespace BlenderFarm.Protocol;

/// <summary>
/// The endpoint file (<c>BLENDERFARM_HOME/run/endpoint.json</c>, mode 0600) a running server writes so clients can
/// find it: a Unix socket path, or a loopback TCP port with the token the handshake must carry.
/// </summary>
public sealed record EndpointInfo
{
    public const string Unix = "unix";
    public const string Tcp = "tcp";

    /// <summary><c>unix</c> or <c>tcp</c>.</summary>
    public required string Transport { get; init; }

    /// <summary>The socket file (unix).</summary>
    public string? Path { get; init; }

    /// <summary>Always 127.0.0.1 (tcp).</summary>
    public string? Host { get; init; }

    public int? Port { get; init; }

    /// <summary>A random secret the handshake must carry (tcp).</summary>
    public string? Token { get; init; }

    public required int ProcessId { get; init; }

    public required int ProtocolVersion { get; init; }

    public required string ServerVersion { get; init; }
}
