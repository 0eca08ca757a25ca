using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Commands;

/// <summary>
/// The frame watchdog's limits: the defaults of <see cref="SchedulerOptions"/>, or seconds from
/// <c>BLENDERFARM_STUCK_FLOOR</c> (the least silence that makes a frame stuck once frames were measured) and
/// <c>BLENDERFARM_FIRST_FRAME_STUCK_LIMIT</c> (the silence allowed before any frame was measured).
/// </summary>
internal static class WatchdogSettings
{
    public const string FloorVariable = "BLENDERFARM_STUCK_FLOOR";
    public const string FirstFrameVariable = "BLENDERFARM_FIRST_FRAME_STUCK_LIMIT";

    /// <exception cref="UsageException">A variable is set to something other than a positive number of seconds.</exception>
    public static SchedulerOptions FromEnvironment()
    {
        var defaults = new SchedulerOptions();
        var floor = Seconds(FloorVariable) ?? defaults.StuckFloor;
        var firstFrame = Seconds(FirstFrameVariable) ?? defaults.FirstFrameStuckLimit;
        var shortest = floor < firstFrame ? floor : firstFrame;
        var quarter = shortest / 4;
        return new SchedulerOptions
        {
            StuckFloor = floor,
            FirstFrameStuckLimit = firstFrame,
            // Look often enough that a hang is noticed within a quarter of the limit more.
            WatchdogInterval = quarter < defaults.WatchdogInterval ? quarter : defaults.WatchdogInterval,
        };
    }

    private static TimeSpan? Seconds(string variable)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 86400 * 7)
        {
            throw new UsageException($"{variable} must be a number of seconds above 0, not '{text}'.");
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
