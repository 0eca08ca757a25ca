namespace BlenderFarm.Application.Queue;

/// <summary>The queue's sentences for users, each in one place.</summary>
public static class QueueMessages
{
    public const string PausedByUser = "paused by the user";

    public const string SlotRecalled = "the farm gave this slot to a job with a higher priority";

    public const string SlotHandedOn = "the job had no frame left to start: the farm gave this slot to the next job in its queue";

    public static string BeingCancelled(string jobId) => $"Job {jobId} is being cancelled: it cannot be paused or resumed.";

    public static string NotQueued(string jobId) => $"Job {jobId} is not in the farm's queue.";
}
