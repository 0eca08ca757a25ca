using System.Security.Cryptography;
using BlenderFarm.Workers.Ssh.Sync;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>A job of files filled with random bytes (they do not compress), planned as the SSH sync sends them; the first is the .blend.</summary>
internal static class RandomJob
{
    public static JobFiles Make(Workspace workspace, string folder, params (string Path, int Bytes)[] files)
    {
        var list = new List<JobFile>();
        foreach (var (relative, bytes) in files)
        {
            var local = workspace.PathOf(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            File.WriteAllBytes(local, RandomNumberGenerator.GetBytes(bytes));
            list.Add(new JobFile(relative, local, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(local))), bytes));
        }

        return new JobFiles(list, files[0].Path);
    }
}
