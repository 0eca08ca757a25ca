namespace BlenderFarm.Domain.Running;

/// <summary>The disk that holds the output or the journal is full: the run pauses, nothing is lost.</summary>
public sealed class DiskFullException : Exception
{
    public DiskFullException(string message) : base(message) { }
    public DiskFullException() { }
    public DiskFullException(string message, Exception inner) : base(message, inner) { }

    private const int Enospc = 28;         // Unix: .NET puts the raw errno in HResult
    private const int Edquot = 122;        // Linux: disk quota exceeded
    private const int ErrorDiskFull = unchecked((int)0x80070070);
    private const int ErrorHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>Whether an I/O error, or a message Blender printed, means "no space left on device".</summary>
    public static bool IsDiskFull(Exception exception) =>
        exception is IOException io && (IsDiskFullCode(io.HResult) || IsDiskFull(io.Message));

    private static bool IsDiskFullCode(int hresult) =>
        hresult is ErrorDiskFull or ErrorHandleDiskFull || (!OperatingSystem.IsWindows() && hresult is Enospc or Edquot);

    public static bool IsDiskFull(string message) =>
        message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || message.Contains("disk full", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not enough space on the disk", StringComparison.OrdinalIgnoreCase);
}
