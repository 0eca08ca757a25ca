using Microsoft.Extensions.Logging;

namespace BlenderFarm.Application.Queue;

internal static partial class QueueLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "job {JobId} queued with priority {Priority}")]
    public static partial void Queued(ILogger logger, string jobId, int priority);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "job {JobId} left its slots: {Status}")]
    public static partial void RunEnded(ILogger logger, string jobId, string status);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "job {JobId} could not run from the queue: {Error}")]
    public static partial void RunFailed(ILogger logger, Exception exception, string jobId, string error);
}
