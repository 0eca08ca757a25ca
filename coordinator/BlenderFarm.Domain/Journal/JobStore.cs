using System.Globalization;
using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Domain.Journal;

/// <summary>
/// The user's job folders: <c>ROOT/jobs/ID/journal.bfj</c> and a lock file held by the coordinator working on the
/// job. ROOT is chosen by the host (BLENDERFARM_HOME, else the user's data folder: see BlenderFarm.Storage).
/// </summary>
public sealed class JobStore(string root)
{
    private const string JournalFile = "journal.bfj";
    private const string LockFile = "lock";

    // The lock is an flock, which this process's own probe (IsTaken) holds for a moment too: takes and probes in
    // this process go one at a time, so asking whether a job is taken never makes this process fail to take it.
    private static readonly Lock LockGate = new();

    public string Root { get; } = root;

    public string JobsFolder => Path.Combine(Root, "jobs");

    public static string NewJobId(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
        return time.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + suffix;
    }

    public string JobFolder(string jobId) => Path.Combine(JobsFolder, jobId);

    public string JournalPath(string jobId) => Path.Combine(JobFolder(jobId), JournalFile);

    /// <summary>Whether the store has a job of exactly this id (its journal exists).</summary>
    public bool Exists(string jobId) => File.Exists(JournalPath(jobId));

    /// <summary>The journal's length and last write, which change whenever it grows: a cache of its replay is stale when they differ.</summary>
    public (long Length, DateTime Written) JournalStamp(string jobId)
    {
        var file = new FileInfo(JournalPath(jobId));
        return file.Exists ? (file.Length, file.LastWriteTimeUtc) : (-1, default);
    }

    /// <summary>Every job id, oldest first.</summary>
    public IReadOnlyList<string> JobIds() =>
        Directory.Exists(JobsFolder)
            ? [.. Directory.GetDirectories(JobsFolder).Where(d => File.Exists(Path.Combine(d, JournalFile))).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Finds a job by its id or a unique start of it; "last" or null means the newest job.</summary>
    public string Resolve(string? idOrPrefix)
    {
        var ids = JobIds();
        if (ids.Count == 0)
        {
            throw new KeyNotFoundException($"There are no jobs yet in {JobsFolder}.");
        }

        if (idOrPrefix is null || idOrPrefix == "last")
        {
            return ids[^1];
        }

        var matches = ids.Where(id => id.StartsWith(idOrPrefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new KeyNotFoundException($"There is no job '{idOrPrefix}': 'blenderfarm jobs' lists them."),
            _ => matches.Contains(idOrPrefix)
                ? idOrPrefix
                : throw new KeyNotFoundException($"'{idOrPrefix}' matches {matches.Count} jobs: give more of the id."),
        };
    }

    /// <summary>Reads a job's state without taking it; a torn journal tail is ignored.</summary>
    public JobState Read(string jobId) => JobState.Replay(FileJobJournal.Read(JournalPath(jobId)).Records);

    /// <summary>Creates the job's folder and journal and takes the job.</summary>
    public JobLease Create(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var folder = JobFolder(spec.JobId);
        Directory.CreateDirectory(folder);
        var jobLock = TakeLock(spec.JobId) ?? throw new InvalidOperationException($"Job {spec.JobId} is already taken.");
        try
        {
            return new JobLease(spec.JobId, FileJobJournal.Create(JournalPath(spec.JobId), new JobCreated(spec)), jobLock);
        }
        catch
        {
            jobLock.Dispose();
            throw;
        }
    }

    /// <summary>Takes an existing job for a run, or returns null when another coordinator is working on it.</summary>
    public JobLease? TryTake(string jobId)
    {
        var jobLock = TakeLock(jobId);
        if (jobLock is null)
        {
            return null;
        }

        try
        {
            return new JobLease(jobId, FileJobJournal.OpenForAppend(JournalPath(jobId)), jobLock);
        }
        catch
        {
            jobLock.Dispose();
            throw;
        }
    }

    /// <summary>Whether some coordinator holds the job right now (never a job this store does not have).</summary>
    public bool IsTaken(string jobId)
    {
        if (!Directory.Exists(JobFolder(jobId)))
        {
            return false;
        }

        lock (LockGate)
        {
            using var probe = TakeLockNow(jobId);
            return probe is null;
        }
    }

    private FileStream? TakeLock(string jobId)
    {
        lock (LockGate)
        {
            return TakeLockNow(jobId);
        }
    }

    private FileStream? TakeLockNow(string jobId)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock on Unix) that the OS drops if the process dies.
            var stream = new FileStream(Path.Combine(JobFolder(jobId), LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            return stream;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>A job taken by this process: its journal open for appending, and its lock held until disposed.</summary>
public sealed class JobLease(string jobId, FileJobJournal journal, FileStream jobLock) : IDisposable
{
    public string JobId { get; } = jobId;

    public FileJobJournal Journal { get; } = journal;

    public void Dispose()
    {
        Journal.Dispose();
        jobLock.Dispose();
    }
}
