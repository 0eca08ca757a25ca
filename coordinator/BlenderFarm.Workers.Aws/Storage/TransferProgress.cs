using System.Globalization;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>Where an upload stands: bytes sent of the bytes to send, and since when.</summary>
public sealed record TransferProgress(long SentBytes, long TotalBytes, int SkippedFiles, long SkippedBytes, TimeSpan Elapsed)
{
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? SentBytes / Elapsed.TotalSeconds : 0;

    /// <summary>Null until a rate is known.</summary>
    public TimeSpan? Remaining => BytesPerSecond > 0 ? TimeSpan.FromSeconds((TotalBytes - SentBytes) / BytesPerSecond) : null;

    /// <summary>The terminal line: <c>uploading job files: 12.0 MB of 48.0 MB, 4.0 MB/s, ETA 0:09 (3 files, 1.2 GB already in S3)</c>.</summary>
    public string Line()
    {
        var eta = Remaining is { } left ? $"ETA {(int)left.TotalMinutes}:{left.Seconds:00}" : "ETA --:--";
        var skipped = SkippedFiles > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({SkippedFiles} file(s), {Size(SkippedBytes)} already in S3)") : "";
        return string.Create(CultureInfo.InvariantCulture, $"uploading job files: {Size(SentBytes)} of {Size(TotalBytes)}, {Size((long)BytesPerSecond)}/s, {eta}{skipped}");
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
