using BlenderFarm.Blender;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BlenderFarm.Coordinator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        PrivateFiles.UsePrivateUmask();
        var onTerminal = !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("BLENDERFARM_PLAIN") is null;
        using var loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddConsole(o =>
            {
                o.LogToStandardErrorThreshold = LogLevel.Trace;
                o.FormatterName = ConsoleFormatterNames.Simple;
            })
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.ColorBehavior = onTerminal ? LoggerColorBehavior.Default : LoggerColorBehavior.Disabled;
            })
            .AddFilter("Microsoft", LogLevel.Warning));
        var context = new CliContext(StorageHome.JobStoreForCurrentUser(), loggers, TimeProvider.System, Console.Out, onTerminal);
        try
        {
            PrivateFiles.SecureHome(context.Store.Root);
            if (OperatingSystem.IsWindows())
            {
                Server.WindowsOwnerOnly.Folder(context.Store.Root); // no 0700 there; a home such as D:\farm often lets every user read it
            }

            return await Dispatch(context, args).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UsageException or UserFacingException or FrameSpecException or KeyNotFoundException or Blender.Discovery.MissingSceneFilesException)
        {
            await Console.Error.WriteLineAsync("blenderfarm: " + Sentence(e.Message)).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (InvalidDataException e)
        {
            await Console.Error.WriteLineAsync("blenderfarm: " + Sentence(e.Message) + " The job cannot be read; frames already in its output folder are kept, render it again to finish it.").ConfigureAwait(false);
            return ExitCodes.DamagedJournal;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var full = Domain.Running.DiskFullException.IsDiskFull(e) ? " The disk is full: free some space and try again." : "";
            await Console.Error.WriteLineAsync("blenderfarm: " + Sentence(e.Message) + full).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("BLENDERFARM_DEBUG") is null)
        {
            await Console.Error.WriteLineAsync($"blenderfarm stopped on an unexpected error: {e.Message} (set BLENDERFARM_DEBUG=1 for details)").ConfigureAwait(false);
            return 70;
        }
    }

    private static Task<int> Dispatch(CliContext context, string[] args)
    {
        var verb = args.Length == 0 ? "help" : args[0];
        var rest = args.Skip(1).ToList();
        return verb switch
        {
            "render" => RenderCommand.RunAsync(context, rest),
            "demo" => DemoCommand.RunAsync(context, rest),
            "resume" => Farm.QueueCommands.ResumeAsync(context, rest),
            "status" => Task.FromResult(StatusCommand.Run(context, rest)),
            "jobs" => Task.FromResult(JobsCommand.Run(context, rest)),
            "cancel" => Farm.QueueCommands.CancelAsync(context, rest),
            "submit" => Farm.QueueCommands.SubmitAsync(context, rest),
            "queue" => Farm.QueueCommands.ListAsync(context, rest),
            "priority" => Farm.QueueCommands.PriorityAsync(context, rest),
            "pause" => Farm.QueueCommands.PauseAsync(context, rest),
            "bench" => BenchCommand.RunAsync(context, rest),
            "serve" => Server.ServeCommand.RunAsync(context, rest),
            "plan" => Commands.Aws.PlanCommand.RunAsync(context, rest),
            "instances" => Commands.Aws.InstancesCommand.RunAsync(context, rest),
            "teardown" => Commands.Aws.TeardownCommand.RunAsync(context, rest),
            "help" or "--help" or "-h" => Help(context),
            "--version" or "version" => Version(context),
            _ => throw new UsageException($"'{verb}' is not a blenderfarm command; 'blenderfarm help' lists them."),
        };
    }

    /// <summary>Messages reach the user as one line ending with a full stop.</summary>
    private static string Sentence(string message)
    {
        var line = message.ReplaceLineEndings(" ").Trim();
        return line.EndsWith('.') ? line : line + ".";
    }

    private static Task<int> Help(CliContext context)
    {
        context.Out.WriteLine(Usage.Text);
        return Task.FromResult(ExitCodes.Ok);
    }

    private static Task<int> Version(CliContext context)
    {
        context.Out.WriteLine("blenderfarm " + typeof(Program).Assembly.GetName().Version);
        return Task.FromResult(ExitCodes.Ok);
    }
}
