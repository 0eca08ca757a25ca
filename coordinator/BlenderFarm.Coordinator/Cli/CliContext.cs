using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Journal;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Cli;

/// <summary>What every command gets: where jobs live, the clock, logging, and the console.</summary>
internal sealed class CliContext(JobStore store, ILoggerFactory loggers, TimeProvider time, TextWriter output, bool progressOnTerminal)
{
    public JobStore Store { get; } = store;

    public ILoggerFactory Loggers { get; } = loggers;

    public TimeProvider Time { get; } = time;

    /// <summary>Standard output: results a user may pipe (summaries, listings). Progress and logs go to stderr.</summary>
    public TextWriter Out { get; } = output;

    public string ScriptFolder => Path.Combine(Store.Root, "scripts");

    public IProgressDisplay CreateProgressDisplay() =>
        progressOnTerminal ? new TerminalProgress(Console.Error) : new LogProgress(Loggers.CreateLogger<LogProgress>());
}
