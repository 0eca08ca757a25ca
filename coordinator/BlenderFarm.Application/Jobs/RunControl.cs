using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application.Jobs;

/// <summary>
/// How the service stops a run it started: a cancel or a pause, with its reason. The first request wins; the run
/// ends its frames in flight and journals <see cref="StopAs"/>. Thread-safe. (Its token source has no timer, so it
/// needs no disposal; a late request after the run ended does nothing.)
/// </summary>
public sealed class RunControl
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();

    /// <summary>Cancelled once a stop was requested.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Cancelled or Paused once requested; null while the run may go on.</summary>
    public JobStatus? StopAs { get; private set; }

    public string? Reason { get; private set; }

    public void Cancel(string reason) => Request(JobStatus.Cancelled, reason);

    public void Pause(string reason) => Request(JobStatus.Paused, reason);

    private void Request(JobStatus status, string reason)
    {
        lock (_lock)
        {
            if (StopAs is null)
            {
                StopAs = status;
                Reason = reason;
            }
        }

        _stop.Cancel();
    }
}
