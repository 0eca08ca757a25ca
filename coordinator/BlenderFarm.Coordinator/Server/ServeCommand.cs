using System.Globalization;
using System.Runtime.InteropServices;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// <c>blenderfarm serve [--workers local[:N]] [--transport unix|tcp] [--idle-exit SECONDS]</c>: the farm, and the
/// JSON-RPC server the Blender add-on and the queue verbs talk to. One per user (a lock in BLENDERFARM_HOME/run); jobs
/// it starts run in this process and keep running when the client goes away. Its queue shares one pool of N local
/// slots by priority, and starting it carries on the queue a previous server left (even one killed). It exits after SECONDS (default 600) with no job and no connection, and on SIGTERM/Ctrl+C it
/// pauses its jobs (resumable) and exits. Writes nothing to stdout; logs go to stderr.
/// </summary>
internal static class ServeCommand
{
    private static readonly HashSet<string> ValueOptions = ["transport", "idle-exit", "workers"];

    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("serve", arguments, ValueOptions, CommandLine.NoOptions);
        line.Single("argument", required: false);
        var transport = line.Value("transport") ?? (OperatingSystem.IsWindows() ? EndpointInfo.Tcp : EndpointInfo.Unix);
        var idle = ParseSeconds(line.Value("idle-exit") ?? "600");
        var pool = Workers.WorkersSpec.Parse(line.Value("workers"));
        if (pool.Kind != "local")
        {
            throw new UsageException($"serve --workers takes local[:N] for now (the farm's pool is this machine's slots), not '{line.Value("workers")}'.");
        }

        var logger = context.Loggers.CreateLogger("BlenderFarm.Coordinator.Server");
        var home = context.Store.Root;
        ServeFiles.CreatePrivateFolder(ServeFiles.RunFolder(home));
        using var serveLock = ServeFiles.TryLock(home);
        if (serveLock is null)
        {
            var other = ServeFiles.ReadEndpoint(home);
            await Console.Error.WriteLineAsync($"blenderfarm: a coordinator server is already running for this user{(other is null ? "" : $" (pid {other.ProcessId})")}.").ConfigureAwait(false);
            return ExitCodes.Busy;
        }

        var version = ServerVersion();
        await using var listener = RpcListener.Open(transport, ServeFiles.RunFolder(home), version);
        var host = new JobHost(context.Store, context.Loggers, context.Time, pool);
        var server = new RpcServer(host, new ServerIdentity(version, listener.Token), context.Loggers);
        ServeFiles.WriteEndpoint(home, listener.Endpoint);
        ServerLog.Listening(logger, version, Environment.ProcessId, listener.Endpoint.Path ?? $"127.0.0.1:{listener.Endpoint.Port}");

        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s => { s.Cancel = true; stop.Cancel(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, s => { s.Cancel = true; stop.Cancel(); });
        var accepting = server.ServeAsync(listener, stop.Token);
        host.Queue.Start();
        try
        {
            await WaitWhileUsedAsync(host, idle, context.Time, logger, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            ServeFiles.RemoveEndpoint(home);
            await accepting.ConfigureAwait(false);
            ServerLog.Stopping(logger, host.RunningJobs);
            await host.Queue.StopAsync().ConfigureAwait(false); // queued jobs stay queued for the next serve
            host.Jobs.PauseAll(JobMessages.StoppedByUser); // resumable: the next serve or `blenderfarm resume` carries on
            await Task.WhenAll(host.Runs).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Returns after <paramref name="idle"/> with no job and no connection, or when stopped.</summary>
    private static async Task WaitWhileUsedAsync(JobHost host, TimeSpan idle, TimeProvider time, ILogger logger, CancellationToken token)
    {
        var idleSince = time.GetUtcNow();
        try
        {
            while (!token.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, token).ConfigureAwait(false);
                if (host.RunningJobs > 0 || host.Sessions > 0)
                {
                    idleSince = time.GetUtcNow();
                }
                else if (time.GetUtcNow() - idleSince >= idle)
                {
                    ServerLog.IdleExit(logger, (int)idle.TotalSeconds);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped by a signal.
        }
    }

    private static TimeSpan ParseSeconds(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds >= 1
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"--idle-exit takes a number of seconds (at least 1), not '{text}'.");

    public static string ServerVersion() => typeof(ServeCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
