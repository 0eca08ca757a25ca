using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Scheduling;

/// <summary>
/// A bad frame is the frame's fault, not the slot's: a failed frame is tried next on a slot that has not failed it,
/// and fails for good after failing on <see cref="SchedulerOptions.MaxAttemptsPerFrame"/> different slots (or that many
/// times once every slot has tried it). A slot is blamed only for failures other slots do not share: a frame that
/// failed on it and then rendered elsewhere, or a Blender that could not start.
/// </summary>
public sealed partial class JobScheduler
{
    /// <summary>This run's failed attempts of each frame: the slot and what it said, in order.</summary>
    private readonly Dictionary<int, List<(string Slot, string Reason)>> _failedOn = [];

    /// <summary>Whether the slot may take the queued frame: it has not failed there, or every slot left has failed it.</summary>
    private bool MayTake(string slot, int frame)
    {
        if (!_failedOn.TryGetValue(frame, out var failures) || failures.All(f => f.Slot != slot))
        {
            return true;
        }

        return _slots.Values.Where(s => !s.Retired).All(s => failures.Any(f => f.Slot == s.Id));
    }

    /// <summary>Notes a failed attempt at a started frame and says where it goes: Queued, or Failed once it is out of attempts.</summary>
    private FrameState RecordFrameFailure(int frame, string slot, string reason, int failuresThisRun)
    {
        if (!_failedOn.TryGetValue(frame, out var failures))
        {
            _failedOn[frame] = failures = [];
        }

        failures.Add((slot, reason));
        if (failuresThisRun < _options.MaxAttemptsPerFrame)
        {
            return FrameState.Queued;
        }

        var triedOn = failures.Select(f => f.Slot).ToHashSet();
        var everySlotTried = _slots.Values.Where(s => !s.Retired).All(s => triedOn.Contains(s.Id));
        return triedOn.Count >= _options.MaxAttemptsPerFrame || everySlotTried ? FrameState.Failed : FrameState.Queued;
    }

    /// <summary>The frame rendered on <paramref name="renderedOn"/>: each other slot that failed it counts a failure of its own.</summary>
    private void BlameSlotsThatFailed(int frame, string renderedOn)
    {
        if (!_failedOn.Remove(frame, out var failures))
        {
            return;
        }

        foreach (var (slot, reason) in failures.Where(f => f.Slot != renderedOn).DistinctBy(f => f.Slot))
        {
            CountSlotFailure(slot, $"frame {frame} failed here ({reason}) but rendered on {renderedOn}");
        }
    }
}
