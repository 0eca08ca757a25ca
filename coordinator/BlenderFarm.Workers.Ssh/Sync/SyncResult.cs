namespace BlenderFarm.Workers.Ssh.Sync;

/// <summary>What a sync moved: files and bytes uploaded from this machine, and those fetched from a host of the same network.</summary>
public sealed record SyncResult(int UploadedFiles, long UploadedBytes, int FetchedFiles, long FetchedBytes);
