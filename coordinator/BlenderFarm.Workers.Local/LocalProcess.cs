using System.Diagnostics;
using System.Text;
using BlenderFarm.Blender.Output;
using BlenderFarm.Blender.Worker;

namespace BlenderFarm.Workers.Local;

/// <summary>A worker process on this machine, with its stdin and stdout, and the tail of what it printed for error messages.</summary>
public sealed class LocalProcess : IWorkerProcess
{
    private const int TailLines = 12;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Lock _tailLock = new();

    private LocalProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginErrorReadLine();
    }

    public int ProcessId => _process.Id;

    public static LocalProcess Start(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        return new LocalProcess(process);
    }

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is not null && !line.Contains(WorkerProtocol.Prefix, StringComparison.Ordinal) && !BlenderLogLine.IsProgress(line))
        {
            Remember(line);
        }

        return line;
    }

    public async Task<string> DescribeExitAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return "Blender stopped answering";
        }

        var code = _process.ExitCode;
        var how = !OperatingSystem.IsWindows() && code > 128
            ? $"Blender was killed (signal {code - 128})"
            : $"Blender exited with code {code}";
        var said = LastWords();
        return said is null ? how : $"{how}; it said: {said}";
    }

    private string? LastWords()
    {
        lock (_tailLock)
        {
            var lines = _tail.Where(l => !string.IsNullOrWhiteSpace(l) && !l.StartsWith("Blender quit", StringComparison.Ordinal)).ToList();
            return lines.LastOrDefault(l => l.Contains("Error", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault();
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tailLock)
        {
            _tail.Enqueue(line.Trim());
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
