using System.Diagnostics;
using System.Text;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Runs the real blenderfarm CLI (the built blenderfarm.dll) as a separate process, with its own job home.</summary>
internal sealed class Cli(string home)
{
    private static readonly string Dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "blenderfarm.dll");

    public string Home { get; } = home;

    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>The umask the CLI starts under (octal, as the shell takes it), or null for the test's own.</summary>
    public string? Umask { get; set; }

    public async Task<CliResult> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        return await process.WaitAsync(TimeSpan.FromMinutes(5));
    }

    public RunningCli Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Umask is null ? "dotnet" : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Umask is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"umask {Umask} && exec dotnet \"$@\"");
            start.ArgumentList.Add("sh");
        }

        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BLENDERFARM_HOME"] = Home;
        start.Environment["BLENDERFARM_PLAIN"] = "1";
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        return new RunningCli(Process.Start(start)!);
    }
}

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A blenderfarm process under test; its output is collected as it runs.</summary>
internal sealed class RunningCli : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    public RunningCli(Process process)
    {
        Process = process;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_lock) { _stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_lock) { _stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    public async Task<CliResult> WaitAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await Process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            Assert.Fail($"blenderfarm did not finish within {timeout}; stderr so far:\n{Stderr}");
        }

        Process.WaitForExit(); // drains the asynchronous readers
        lock (_lock)
        {
            return new CliResult(Process.ExitCode, _stdout.ToString(), _stderr.ToString());
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}
