using BlenderFarm.Application.Ports;

namespace BlenderFarm.Application.Tests.Fakes;

/// <summary>
/// The run channel between two job services on one store, as between two processes: each ask is recorded and handed
/// to the other service's run; with no other service (its process gone) every ask fails with <see cref="Problem"/>.
/// </summary>
internal sealed class LinkedRunChannel(JobService? other) : IRunChannel
{
    public const string Problem = "its run endpoint is stale: process 4242 does not answer there.";

    public List<(string JobId, RunStop Stop, string Reason)> Asked { get; } = [];

    public Task<RunReach> AskToStopAsync(string jobId, RunStop stop, string reason, CancellationToken cancellationToken)
    {
        Asked.Add((jobId, stop, reason));
        return Task.FromResult(other is not null && other.StopHere(jobId, stop, reason) ? RunReach.Taken : RunReach.Failed(Problem));
    }
}
