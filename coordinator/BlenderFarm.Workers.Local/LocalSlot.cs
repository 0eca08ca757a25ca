using System.Globalization;
using System.Runtime.CompilerServices;
using BlenderFarm.Blender.Output;
using BlenderFarm.Blender.Worker;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Workers.Local;

/// <summary>
/// A slot on this machine: one Blender process that stays alive across chunks and renders into the slot's own
/// folder next to the output. If the process dies, the next chunk starts a new one.
/// </summary>
public sealed class LocalSlot : IWorkerSlot
{
    private readonly LocalSlotOptions _options;
    private BlenderWorkerSession? _session;

    public LocalSlot(string id, LocalSlotOptions options)
    {
        Id = id;
        _options = options;
        Folder = Path.Combine(options.WorkFolder, id);
    }

    public string Id { get; }

    /// <summary>Where this slot's Blender writes frames before they are verified.</summary>
    public string Folder { get; }

    /// <summary>Process id of the slot's Blender, while one runs.</summary>
    public int? BlenderProcessId { get; private set; }

    public async IAsyncEnumerable<SlotEvent> RenderAsync(IReadOnlyList<FrameOrder> frames, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var session = _session ??= await StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var orders = frames.Select(f => (f.Frame, Path.Combine(Folder, f.FileName))).ToList();
            await foreach (var slotEvent in session.RenderAsync(orders, cancellationToken).ConfigureAwait(false))
            {
                yield return slotEvent;
            }
        }
        finally
        {
            if (!session.IsHealthy)
            {
                await StopAsync().ConfigureAwait(false);
            }
        }
    }

    public Task FetchAsync(string workerPath, string localPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(localPath)!);
        File.Move(workerPath, localPath, overwrite: true);
        return Task.CompletedTask;
    }

    public Task DiscardAsync(string workerPath, CancellationToken cancellationToken)
    {
        File.Delete(workerPath);
        return Task.CompletedTask;
    }

    private async Task<BlenderWorkerSession> StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        var token = WorkerProtocol.NewToken();
        List<string> arguments =
        [
            "-b", _options.BlendFile, "--factory-startup", .. BlenderLogLine.RenderLogArguments,
            "--python-exit-code", "1", "--python", _options.WorkerScript,
            "--", "--threads", _options.Threads.ToString(CultureInfo.InvariantCulture), "--slot", Id, "--token", token,
        ];
        if (_options.FileFormatOverride is { } format)
        {
            arguments.AddRange(["--format", format]);
        }

        LocalProcess process;
        try
        {
            process = LocalProcess.Start(_options.BlenderPath, arguments, Folder);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SlotLostException($"Blender could not be started at {_options.BlenderPath}: {e.Message}", e);
        }

        BlenderProcessId = process.ProcessId;
        var session = new BlenderWorkerSession(process, token);
        try
        {
            await session.WaitReadyAsync(_options.LoadTimeout, cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            BlenderProcessId = null;
            throw;
        }
    }

    private async Task StopAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            BlenderProcessId = null;
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
