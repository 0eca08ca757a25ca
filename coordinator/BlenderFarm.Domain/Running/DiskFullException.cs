namespace BlenderFarm.Domain.Running;

/// <summary>The disk that holds the output or the journal is full: the run pauses, nothing is lost.</summary>
public sealed class DiskFullException : Exception
{
    public DiskFullException(string message) : base(message) { }
    public DiskFullException() { }
    public DiskFullException(string message, Exception inner) : base(message, inner) { }

    private const int EnospcHResult = 28;
    private const int ErrorDiskFull = 112;
    private const int ErrorHandleDiskFull = 39;

    /// <summary>Whether an I/O error, or a message Blender printed, means "no space left on device".</summary>
    public static bool IsDiskFull(Exception exception) =>
        exception is IOException io && ((io.HResult & 0xFFFF) is EnospcHResult or ErrorDiskFull or ErrorHandleDiskFull || IsDiskFull(io.Message));

    public static bool IsDiskFull(string message) =>
        message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || message.Contains("disk full", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase);
}
