using BlenderFarm.Application;
using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Coordinator.RunEndpoints;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Workers.Aws.Storage;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Cli;

/// <summary>What every command gets: where jobs live, the clock, logging, and the console.</summary>
/// <remarks>A caller that watches progress itself (the RPC server) supplies <paramref name="progressDisplay"/>.</remarks>
internal sealed class CliContext(
    JobStore store, ILoggerFactory loggers, TimeProvider time, TextWriter output, bool progressOnTerminal, Func<IProgressDisplay>? progressDisplay = null)
{
    private JobService? _jobs;

    public JobStore Store { get; } = store;

    public ILoggerFactory Loggers { get; } = loggers;

    public TimeProvider Time { get; } = time;

    /// <summary>Standard output: results a user may pipe (summaries, listings). Progress and logs go to stderr.</summary>
    public TextWriter Out { get; } = output;

    /// <summary>The job service every command and the server go through (one per process).</summary>
    public JobService Jobs => _jobs ??= new JobService(Store, new JobEngine(this), Time) { RunChannel = new RunEndpointClient(Store, Time) };

    /// <summary>Who else (the submitting add-on) follows the upload of a job's files, by job id; null: the log only.</summary>
    public Func<string, IProgress<TransferProgress>?> UploadWatcher { get; init; } = _ => null;

    public string ScriptFolder => Path.Combine(Store.Root, "scripts");

    public IProgressDisplay CreateProgressDisplay() =>
        progressDisplay is not null ? progressDisplay() :
        progressOnTerminal ? new TerminalProgress(Console.Error) : new LogProgress(Loggers.CreateLogger<LogProgress>());
}
