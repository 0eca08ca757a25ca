using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Application.Jobs;

/// <summary>
/// How the service stops a run it started: a cancel or a pause, with its reason. The first request wins, except that
/// a cancel overrides a pause the run has not taken yet (a job paused, then cancelled while its run hands its frames
/// back, ends cancelled). The run ends its frames in flight, then takes the stop with <see cref="TakeStop"/> and
/// journals it. Thread-safe. (Its token source has no timer, so it needs no disposal; a late request after the run
/// took its stop changes nothing.)
/// </summary>
public sealed class RunControl
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private bool _taken;

    /// <summary>Cancelled once a stop was requested.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Cancelled or Paused once requested; null while the run may go on.</summary>
    public JobStatus? StopAs { get; private set; }

    public string? Reason { get; private set; }

    public void Cancel(string reason) => Request(JobStatus.Cancelled, reason);

    public void Pause(string reason) => Request(JobStatus.Paused, reason);

    /// <summary>The stop the run ends with, status and reason together; from then on no request changes it. Null: none was asked.</summary>
    public (JobStatus Status, string Reason)? TakeStop()
    {
        lock (_lock)
        {
            _taken = true;
            return StopAs is { } status ? (status, Reason!) : null;
        }
    }

    private void Request(JobStatus status, string reason)
    {
        lock (_lock)
        {
            if (StopAs is null || (!_taken && StopAs == JobStatus.Paused && status == JobStatus.Cancelled))
            {
                StopAs = status;
                Reason = reason;
            }
        }

        _stop.Cancel();
    }
}
