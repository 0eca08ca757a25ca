namespace BlenderFarm.Blender.Worker;

/// <summary>A running worker script's stdin and stdout, wherever the process runs (this machine, an SSH host).</summary>
public interface IWorkerProcess : IAsyncDisposable
{
    Task WriteLineAsync(string line, CancellationToken cancellationToken);

    /// <summary>The next line the process printed, or null once its output has ended (it exited or the link broke).</summary>
    ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken);

    /// <summary>One sentence about how the process ended, with its last error output, for the user.</summary>
    Task<string> DescribeExitAsync();
}
