using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator;

/// <summary>The coordinator's log messages, with stable event ids. Logs go to stderr, never stdout.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "frame {Frame} done on {Slot} ({Done}/{Total}, {Failed} failed, {Rate}, ETA {Eta})")]
    public static partial void FrameDone(ILogger logger, int frame, string slot, int done, int total, int failed, string rate, string eta);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "frame {Frame} failed for good on {Slot}: {Reason}")]
    public static partial void FrameFailedForGood(ILogger logger, int frame, string slot, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "frame {Frame} will be retried ({Slot}): {Reason}")]
    public static partial void FrameRetried(ILogger logger, int frame, string slot, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Workers}")]
    public static partial void WorkersChanged(ILogger logger, string workers);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "job {JobId}: {Frames} frame(s) of {File} on {Slots} slot(s) ({Where}), output in {Output}")]
    public static partial void JobStarting(ILogger logger, string jobId, int frames, string file, int slots, string where, string output);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void Warning(ILogger logger, string message);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "{Message}")]
    public static partial void Info(ILogger logger, string message);
}
