using System.Text;
using BlenderFarm.Blender.Worker;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>A command running on a host with its stdin and stdout streamed, e.g. the Blender worker.</summary>
public sealed class SshProcess : IWorkerProcess
{
    private readonly SshCommand _command;
    private readonly Task _execution;
    private readonly StreamReader _output;
    private readonly Stream _input;
    private readonly string _host;
    private readonly CancellationTokenSource _stop = new();

    private SshProcess(SshCommand command, string host)
    {
        _command = command;
        _host = host;
        _execution = command.ExecuteAsync(_stop.Token);
        _input = command.CreateInputStream();
        _output = new StreamReader(command.OutputStream, Encoding.UTF8);
    }

    internal static SshProcess Start(SshClient client, string host, string commandLine) =>
        new(client.CreateCommand(commandLine, Encoding.UTF8), host);

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        try
        {
            await _input.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _input.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException)
        {
            throw new IOException($"The connection to {_host} is gone: {e.Message}", e);
        }
    }

    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        try
        {
            // SSH.NET's output stream does not observe cancellation; a cancelled wait leaves the read behind, and
            // disposing the connection (what the liveness check does) ends it.
            return await _output.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or IOException)
        {
            return null;
        }
    }

    public async Task<string> DescribeExitAsync()
    {
        try
        {
            await _execution.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return $"{_host} stopped answering";
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            return $"the connection to {_host} was lost ({e.Message.TrimEnd('.')})";
        }

        var said = _command.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var how = _command.ExitSignal is { } signal
            ? $"Blender on {_host} was killed (signal {signal})"
            : $"Blender on {_host} exited with code {_command.ExitStatus}";
        return said is null ? how : $"{how}; it said: {said}";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _input.DisposeAsync().ConfigureAwait(false); // EOF on the worker's stdin: it quits after its chunk
            await _execution.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or SshException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or IOException)
        {
            await _stop.CancelAsync().ConfigureAwait(false); // closes the channel; the worker sees its parent gone and exits
        }
        finally
        {
            _output.Dispose();
            _command.Dispose();
            _stop.Dispose();
        }
    }
}
