using Microsoft.Extensions.Logging;

namespace BlenderFarm.Domain;

/// <summary>The domain's log messages, with stable event ids.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "{Slot} lost: {Reason}")]
    public static partial void SlotLost(ILogger logger, string slot, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Slot} is retired for this job")]
    public static partial void SlotRetired(ILogger logger, string slot);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "{Slot}: frame {Frame} failed: {Error}")]
    public static partial void FrameError(ILogger logger, string slot, int frame, string error);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Slot}: frame {Frame} rejected: {Problem}")]
    public static partial void FrameRejected(ILogger logger, string slot, int frame, string problem);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "{Slot} stopped on an unexpected error: {Error}")]
    public static partial void SlotFault(ILogger logger, string slot, string error);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "{Slot} could not join the job: {Reason}")]
    public static partial void SlotRefused(ILogger logger, string slot, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "No more slots can join the job: {Error}")]
    public static partial void JoiningFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "{Slot} is {Reason}")]
    public static partial void SlotStuck(ILogger logger, string slot, string reason);

    [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "{Slot}: frame {Frame} was rendered first by another slot; this copy is stopped")]
    public static partial void CopyNotNeeded(ILogger logger, string slot, int frame);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "{Slot}: its unneeded file of frame {Frame} could not be removed: {Error}")]
    public static partial void DiscardFailed(ILogger logger, string slot, int frame, string error);
}
