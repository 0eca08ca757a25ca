using BlenderFarm.Blender.Discovery;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Versions;

/// <summary>
/// The blender-MAJOR.MINOR wrappers of tools/blender-chroot.sh show the chroot's Blender the caller's folders. CI clones
/// the repository afresh at the same path on every run: the wrapper must show the new clone, not the deleted one its
/// earlier mount still holds (the panel tests on 4.3 and 5.2 once failed in CI with "could not be opened").
/// </summary>
[Category("Blender")]
[Category("Versions")]
[NonParallelizable]
public sealed class BlenderChrootWrapperTests
{
    public static IEnumerable<TestCaseData> Wrappers() =>
        Blenders.Executables().Where(path => Blenders.ChrootOf(path) is not null)
            .Select(path => new TestCaseData(path).SetArgDisplayNames(Path.GetFileName(path)));

    [TestCaseSource(nameof(Wrappers))]
    public async Task A_folder_deleted_and_made_again_at_the_same_path_is_seen_afresh(string wrapper)
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("the chroot wrappers bind-mount folders, which needs root (as CI runs).");
        }

        // Outside /tmp, /home, /root and /work, which the wrapper mounts whole: like CI's clone, it gets a mount of its own.
        var folder = $"/var/lib/blenderfarm-tests/wrapper-{Guid.NewGuid():N}";
        var chrootFolder = Blenders.ChrootOf(wrapper) + folder;
        using var workspace = new Workspace();
        try
        {
            Assert.That(await SayAsync(wrapper, folder, "first clone", workspace.PathOf("first.txt")), Is.EqualTo("first clone"));

            Directory.Delete(folder, recursive: true);
            Assert.That(await SayAsync(wrapper, folder, "second clone", workspace.PathOf("second.txt")), Is.EqualTo("second clone"),
                "the chroot's Blender ran the script of the folder now at that path");
        }
        finally
        {
            for (var i = 0; i < 4 && IsMountPoint(chrootFolder); i++)
            {
                SshHosts.Run("umount", "-l", chrootFolder);
            }

            if (Directory.Exists(chrootFolder) && !IsMountPoint(chrootFolder))
            {
                Directory.Delete(chrootFolder);
            }

            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Writes a script saying <paramref name="words"/> into <paramref name="folder"/>, runs it with the wrapper, returns what it wrote.</summary>
    private static async Task<string> SayAsync(string wrapper, string folder, string words, string result)
    {
        Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "say.py");
        await File.WriteAllTextAsync(script, $"import sys\nopen(sys.argv[-1], 'w').write({System.Text.Json.JsonSerializer.Serialize(words)})\n");
        var (code, output) = await ProcessRunner.RunAsync("env",
            ["BLENDER_CHROOT_BINDS=" + folder, wrapper, "-b", "--factory-startup", "--python-exit-code", "1", "--python", script, "--", result],
            TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.That(code, Is.Zero, output);
        return await File.ReadAllTextAsync(result);
    }

    /// <summary>The chroot a wrapper runs Blender in (its <c>root='...'</c> line), or null for a Blender that is not a wrapper.</summary>
    private static bool IsMountPoint(string path) =>
        File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == path);
}
