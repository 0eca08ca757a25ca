namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// What one RPC connection may cost the server: a header of at most <see cref="HeaderBytes"/>, a body of at most
/// <see cref="BodyBytes"/> (<see cref="BodyBytesBeforeHandshake"/> until the handshake succeeds), a handshake within
/// <see cref="HandshakeDeadline"/> of connecting, and at most <see cref="Connections"/> connections at once.
/// </summary>
internal sealed record RpcLimits
{
    public static RpcLimits Default { get; } = new();

    public int HeaderBytes { get; init; } = 8 * 1024;

    public long BodyBytes { get; init; } = 4 * 1024 * 1024;

    public long BodyBytesBeforeHandshake { get; init; } = 16 * 1024;

    public TimeSpan HandshakeDeadline { get; init; } = TimeSpan.FromSeconds(5);

    public int Connections { get; init; } = 8;
}
