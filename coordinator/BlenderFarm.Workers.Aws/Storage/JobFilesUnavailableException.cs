namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>
/// An instance could not fetch the job's files from S3 (a bucket policy that denies, a bad or expired URL, S3 out of
/// reach). Every instance would fail the same way, so the fleet stops launching and the job ends with this sentence.
/// </summary>
public sealed class JobFilesUnavailableException : Exception
{
    public JobFilesUnavailableException(string message) : base(message) { }
    public JobFilesUnavailableException() { }
    public JobFilesUnavailableException(string message, Exception inner) : base(message, inner) { }
}
