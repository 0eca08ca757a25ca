using BlenderFarm.Protocol;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Tells the connection that submitted a job how the upload of its files stands (<c>job.preparing</c>), while
/// <c>job.submit</c> has not replied yet. The upload reports at most once a second; this never blocks it.
/// </summary>
internal sealed class UploadNotifier(string jobId, JobHost host) : IProgress<TransferProgress>
{
    public const string UploadingStep = "uploading job files";

    public void Report(TransferProgress value) =>
        host.Publish(jobId, Notifications.JobPreparing, new JobPreparingInfo { JobId = jobId, Step = UploadingStep, Upload = ToProtocol(value) });

    public static UploadProgressInfo ToProtocol(TransferProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return new UploadProgressInfo
        {
            SentBytes = progress.SentBytes,
            TotalBytes = progress.TotalBytes,
            SkippedFiles = progress.SkippedFiles,
            SkippedBytes = progress.SkippedBytes,
            BytesPerSecond = progress.BytesPerSecond,
            EtaSeconds = progress.Remaining?.TotalSeconds,
        };
    }
}
