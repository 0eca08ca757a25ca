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
    private readonly CancellationToken _lost;

    private SshProcess(SshCommand command, string host, string script, CancellationToken lost)
    {
        _command = command;
        _host = host;
        _lost = lost;
        _execution = command.ExecuteAsync(_stop.Token);
        _input = command.CreateInputStream();
        _output = new StreamReader(command.OutputStream, Encoding.UTF8);
        // A few hundred bytes into a fresh channel's window: the write does not wait on the host.
        _input.Write(RemoteScript.Leading(script));
        _input.Flush();
    }

    /// <summary>Runs <see cref="RemoteScript.Command"/> on the host and sends <paramref name="script"/> as its stdin's head.</summary>
    /// <param name="lost">Cancelled when the host counts as lost: reads end and writes fail then, whatever SSH.NET's streams do.</param>
    internal static SshProcess Start(SshClient client, string host, string script, CancellationToken lost)
    {
        var command = client.CreateCommand(RemoteScript.Command, Encoding.UTF8);
        try
        {
            return new SshProcess(command, host, script, lost);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            command.Dispose();
            throw new SshFailure($"The connection to {host} failed: {e.Message}", e);
        }
    }

    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost);
        try
        {
            await _input.WriteAsync(bytes, watch.Token).AsTask().WaitAsync(watch.Token).ConfigureAwait(false);
            await _input.FlushAsync(watch.Token).WaitAsync(watch.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (_lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"{_host} stopped answering", e);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException)
        {
            throw new IOException($"The connection to {_host} is gone: {e.Message}", e);
        }
    }

    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        // SSH.NET's output stream observes neither cancellation nor the connection's end: with a server that keeps
        // the channel open but never answers (a stopped sshd) it waits forever. So the wait watches the host's loss
        // too, and a lost host ends the output; the abandoned read ends when the command is disposed.
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lost);
        try
        {
            return await _output.ReadLineAsync(watch.Token).AsTask().WaitAsync(watch.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or IOException)
        {
            return null;
        }
    }

    public async Task<string> DescribeExitAsync()
    {
        if (_lost.IsCancellationRequested)
        {
            return $"{_host} stopped answering";
        }

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
            // EOF on the worker's stdin: it quits after its chunk. Bounded, as a host that hangs takes nothing.
            await _input.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            await _execution.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or SshException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or IOException)
        {
            await _stop.CancelAsync().ConfigureAwait(false); // closes the channel; the worker sees its parent gone and exits
        }
        finally
        {
            try
            {
                _output.Dispose();
            }
            catch (InvalidOperationException)
            {
                // a read abandoned when the host was lost still holds the reader; disposing the command ends it
            }

            _command.Dispose();
            _stop.Dispose();
        }
    }
}
