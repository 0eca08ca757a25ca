using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using BlenderFarm.Blender.Worker;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Workers.Ssh;

/// <summary>
/// One slot on an SSH host (one GPU, or the CPU): a connection of its own and one Blender worker kept alive across
/// chunks. While it renders, a ping on the same connection proves the host answers; a host that stops answering
/// loses the slot within <see cref="SshHostOptions.PingInterval"/> + <see cref="SshHostOptions.PingTimeout"/>, and
/// the frame in flight goes back to the queue. Reconnecting backs off after each failure.
/// </summary>
public sealed class SshSlot : IWorkerSlot
{
    private static readonly TimeSpan WorkerKillTimeout = TimeSpan.FromSeconds(5);
    private readonly SshWorkerHost _host;
    private readonly SshHostOptions _options;
    private readonly int? _gpu;
    private readonly ConcurrentDictionary<string, (long? Bytes, string? Sha256)> _written = new(StringComparer.Ordinal);
    private SshConnection? _connection;
    private BlenderWorkerSession? _session;
    private int _failedStarts;
    private string? _token;
    private volatile string? _lostReason;

    internal SshSlot(SshWorkerHost host, SshHostOptions options, int? gpu, string id)
    {
        _host = host;
        _options = options;
        _gpu = gpu;
        Id = id;
    }

    public string Id { get; }

    /// <summary>What Cycles renders on in this slot, once its Blender started.</summary>
    public string? Device => _session?.Device;

    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var session = _session ?? await StartAsync(cancellationToken).ConfigureAwait(false);
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pinging = PingAsync(_connection!, watch.Token);
        var folder = $"{_host.FramesFolder}/{SlotFolder}";
        var orders = frames.Select(f => (f.Frame, $"{folder}/{f.FileName}")).ToList();
        try
        {
            await using var events = session.RenderAsync(orders, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync().ConfigureAwait(false);
                }
                catch (SlotLostException lost) when (_lostReason is { } reason)
                {
                    throw new SlotLostException(reason, lost);
                }

                if (!more)
                {
                    break;
                }

                if (events.Current is FrameWritten written)
                {
                    _written[written.WorkerPath] = (written.Bytes, written.Sha256);
                }

                yield return events.Current;
            }
        }
        finally
        {
            await watch.CancelAsync().ConfigureAwait(false);
            await pinging.ConfigureAwait(false);
            if (!session.IsHealthy || _lostReason is not null)
            {
                // A chunk stopped mid-frame (the frame watchdog, say) may leave a Blender that does not notice its
                // channel closing (a stopped one cannot): kill it on the host while the host still answers.
                // What the stopped chunk wrote (a frame saved just before the stop) is never fetched: remove it.
                await StopAsync(killWorker: _lostReason is null, leftovers: orders.Select(o => o.Item2).ToList()).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Downloads the frame over SFTP, checks its size and SHA-256 against what the worker reported, then removes it from the host.</summary>
    public async Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(localPath)!);
        if (_host.IsShared)
        {
            // The host wrote the frame on shared storage that this machine sees at the same path.
            File.Move(workerPath, localPath, overwrite: true);
            await CheckAsync(workerPath, localPath, cancellationToken).ConfigureAwait(false);
            return;
        }

        var connection = _connection ?? throw new IOException($"{Id} has no connection to fetch {workerPath} over.");
        try
        {
            await connection.DownloadAsync(workerPath, localPath, cancellationToken).ConfigureAwait(false);
        }
        catch (SshFailure failure)
        {
            throw new IOException(failure.Message, failure);
        }

        await CheckAsync(workerPath, localPath, cancellationToken).ConfigureAwait(false);
        await DeleteQuietlyAsync(connection, workerPath, cancellationToken).ConfigureAwait(false); // the frame is safe here
    }

    public async Task DiscardAsync(string workerPath, CancellationToken cancellationToken)
    {
        _written.TryRemove(workerPath, out _);
        if (_host.IsShared)
        {
            File.Delete(workerPath);
            return;
        }

        if (_connection is { } connection)
        {
            await DeleteQuietlyAsync(connection, workerPath, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task DeleteQuietlyAsync(SshConnection connection, string workerPath, CancellationToken cancellationToken)
    {
        try
        {
            await connection.DeleteAsync(workerPath, cancellationToken).ConfigureAwait(false);
        }
        catch (SshFailure)
        {
            // Already gone, or the host went away: a leftover on the host is only clutter.
        }
    }

    /// <summary>The copy here must have the size and SHA-256 the worker reported for the file it wrote at the path we ordered.</summary>
    private async Task CheckAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        if (!_written.TryRemove(workerPath, out var expected) || expected.Bytes is not { } size || expected.Sha256 is not { } sha)
        {
            File.Delete(localPath);
            throw new IOException($"{Id} reported no size and SHA-256 for {Path.GetFileName(workerPath)}");
        }

        var bytes = new FileInfo(localPath).Length;
        string actual;
        await using (var file = File.OpenRead(localPath))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        if (size != bytes || !string.Equals(sha, actual, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(localPath);
            throw new IOException($"the copy of {Path.GetFileName(workerPath)} from {_host.Host.Name} does not match the host's file (size or SHA-256)");
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private string SlotFolder => _gpu is { } gpu ? $"gpu{gpu}" : $"slot{Id[(Id.LastIndexOf('#') + 1)..]}";

    private async Task<BlenderWorkerSession> StartAsync(CancellationToken cancellationToken)
    {
        if (_failedStarts > 0)
        {
            // Back off before trying a host that just failed: 2, 4, 8 ... seconds, at most 30.
            await Task.Delay(Liveness.Backoff(_failedStarts), _options.Time, cancellationToken).ConfigureAwait(false);
        }

        _lostReason = null;
        try
        {
            _connection = await SshConnection.ConnectAsync(_host.Host, _options.HostKeys, cancellationToken).ConfigureAwait(false);
            var token = WorkerProtocol.NewToken();
            _token = token;
            var process = _connection.Start(_host.WorkerCommand(Id, _gpu, _options.FileFormat, token));
            var session = new BlenderWorkerSession(process, token);
            _session = session;
            await session.WaitReadyAsync(_options.LoadTimeout, cancellationToken).ConfigureAwait(false);
            if (_gpu is not null && session.Device == "CPU")
            {
                _options.Warn($"{Id}: Cycles found no usable GPU (tried OptiX, CUDA, HIP, oneAPI, Metal) on {_host.Host.Name}: rendering on its CPU");
            }

            _failedStarts = 0;
            return session;
        }
        catch (SshFailure failure)
        {
            _failedStarts++;
            await StopAsync().ConfigureAwait(false);
            throw new SlotLostException(failure.Message, failure);
        }
        catch (SlotLostException)
        {
            _failedStarts++;
            await StopAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task PingAsync(SshConnection connection, CancellationToken cancellationToken)
    {
        var liveness = new Liveness(_options.Time, _options.PingInterval, _options.PingTimeout);
        var lost = await liveness.WatchAsync(async token => (await connection.RunAsync("true", _options.PingTimeout, token).ConfigureAwait(false)).ExitCode == 0,
            cancellationToken).ConfigureAwait(false);
        if (lost is not null)
        {
            _lostReason = $"{_host.Host.Name} {lost}";
            connection.MarkLost(); // ends the worker's output read now: SSH.NET never ends it while the server keeps the channel open
        }
    }

    private async Task StopAsync(bool killWorker = false, IReadOnlyList<string>? leftovers = null)
    {
        var session = _session;
        var connection = _connection;
        var token = _token;
        _session = null;
        _connection = null;
        _token = null;
        if (killWorker && connection is not null && token is not null)
        {
            try
            {
                // The token is this session's alone; '[x]yz' matches the worker's command line but not this shell's.
                var pattern = $"[{token[0]}]{token[1..]}";
                await connection.RunAsync($"pkill -KILL -f -- {ShellQuote.Quote(pattern)}", WorkerKillTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SshFailure)
            {
                // The host is going away too; closing the channel is all that is left.
            }

            // The worker is gone: nothing writes the chunk's files any more, and none of them will be fetched.
            foreach (var path in leftovers ?? [])
            {
                _written.TryRemove(path, out _);
                if (_host.IsShared)
                {
                    File.Delete(path);
                }
                else
                {
                    await DeleteQuietlyAsync(connection, path, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            // Disconnecting from a host that hangs must not hang the slot.
            await Task.Run(connection.Dispose).WaitAsync(WorkerKillTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
