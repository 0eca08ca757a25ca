using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Security;

/// <summary>
/// Other users of the machine read nothing of BlenderFarm's: whatever the umask, BLENDERFARM_HOME and every folder
/// the real CLI makes under it are 0700 and every file 0600 (journals, hosts files, the server's run folder), while
/// the frames delivered to the user's output folder keep the modes the user's umask gives.
/// </summary>
[Category("Blender")]
public sealed class PermissionsTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [TestCase("000", (UnixFileMode)0b110_110_110)]
    [TestCase("022", (UnixFileMode)0b110_100_100)]
    public async Task Everything_under_the_home_is_private_whatever_the_umask(string umask, UnixFileMode frameMode)
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Unix modes");
        using var workspace = new Workspace();
        workspace.Cli.Umask = umask;
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var render = await workspace.Cli.RunAsync("render", scene, "--frames", "1", "--workers", "local:1", "--output", output);
        Assert.That(render.ExitCode, Is.Zero, render.ToString());
        await workspace.Cli.RunAsync("render", scene, "--frames", "1", "--host", "nobody@127.0.0.1:1", "--output", workspace.PathOf("ssh-frames"));
        var serve = await workspace.Cli.RunAsync("serve", "--idle-exit", "1");
        Assert.That(serve.ExitCode, Is.Zero, serve.ToString());

        var home = workspace.Cli.Home;
        var folders = Directory.GetDirectories(home, "*", SearchOption.AllDirectories).Append(home).ToList();
        var files = Directory.GetFiles(home, "*", SearchOption.AllDirectories);
        Assert.That(files.Select(Path.GetFileName), Does.Contain("hosts").And.Contain("serve.lock"), "the runs wrote a hosts file and the run folder");
        Assert.Multiple(() =>
        {
            foreach (var folder in folders)
            {
                Assert.That(File.GetUnixFileMode(folder), Is.EqualTo(Private), folder);
            }

            foreach (var file in files)
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(PrivateFile), file);
            }

            Assert.That(File.GetUnixFileMode(Path.Combine(output, "frame_0001.png")), Is.EqualTo(frameMode), "a delivered frame is the user's to share");
        });
    }
}
