using Microsoft.Extensions.Logging;

namespace BlenderFarm.Workers.Aws;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Message}")]
    public static partial void Info(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void Warning(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {InstanceId} ({InstanceType}, {Zone}, ${PricePerHour:0.0000}/h) launched")]
    public static partial void Launched(ILogger logger, string instanceId, string instanceType, string zone, double pricePerHour);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {InstanceId} at {Address} joined the job with {Slots} slot(s), {Seconds:0} s after launch")]
    public static partial void Joined(ILogger logger, string instanceId, string address, int slots, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "instance {InstanceId} leaves the job: {Reason}")]
    public static partial void Leaving(ILogger logger, string instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {InstanceId} terminated after {Seconds:0} s; it cost ${Usd:0.0000}")]
    public static partial void Terminated(ILogger logger, string instanceId, double seconds, double usd);
}
