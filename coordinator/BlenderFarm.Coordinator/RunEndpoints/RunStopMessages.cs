using BlenderFarm.Application.Ports;

namespace BlenderFarm.Coordinator.RunEndpoints;

/// <summary>
/// The one call between two blenderfarm processes (not the add-on's protocol): <c>cancel</c>, or a farm, asking the
/// process that renders a job to stop it. JSON-RPC on the same kind of endpoint <c>serve</c> listens on.
/// </summary>
internal static class RunStopMethod
{
    public const string Name = "run.stop";
}

internal sealed record RunStopRequest
{
    public required string JobId { get; init; }

    public required RunStop Stop { get; init; }

    public required string Reason { get; init; }

    /// <summary>The endpoint file's token (loopback TCP on Windows); null on a Unix socket.</summary>
    public string? Token { get; init; }
}

/// <param name="Stopping">Whether the run took the request (it stops; the job ends cancelled or paused).</param>
/// <param name="Problem">Why not, in one sentence.</param>
internal sealed record RunStopReply(bool Stopping, string? Problem);
