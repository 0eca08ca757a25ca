using System.Globalization;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Coordinator.Progress;

/// <summary>A live progress line redrawn in place on a terminal, with failures printed above it.</summary>
internal sealed class TerminalProgress(TextWriter terminal) : IProgressDisplay
{
    private readonly Lock _lock = new();
    private readonly List<string> _pending = [];
    private int _lastLength;

    public void OnFrameChanged(FrameChanged change, JobProgress progress)
    {
        if (change.To is FrameState.Failed || (change.To is FrameState.Queued && change.Detail is not null && change.From is FrameState.Rendering or FrameState.Transferring))
        {
            lock (_lock)
            {
                var what = change.To is FrameState.Failed ? "failed for good" : "will be retried";
                _pending.Add(string.Create(CultureInfo.InvariantCulture, $"frame {change.Frame} {what} ({change.Slot}): {change.Detail}"));
            }
        }
    }

    public void Refresh(JobProgress progress)
    {
        lock (_lock)
        {
            var width = SafeWidth();
            var line = ProgressText.Line(progress, width - 1);
            terminal.Write('\r' + new string(' ', _lastLength) + '\r');
            foreach (var message in _pending)
            {
                terminal.WriteLine(message);
            }

            _pending.Clear();
            terminal.Write(line);
            terminal.Flush();
            _lastLength = line.Length;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            terminal.WriteLine();
            terminal.Flush();
        }
    }

    private static int SafeWidth()
    {
        try
        {
            return Console.WindowWidth > 20 ? Console.WindowWidth : 120;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
