using System.Security.Cryptography;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// An instance without Blender installs the official build only when its SHA-256 is the official one (issue 11): a
/// loopback web server stands in for download.blender.org, with a Linux tarball whose "blender" runs the real one.
/// </summary>
public sealed partial class SpotFleetTests
{
    private const string Tarball = "blender-9.9.9-linux-x64.tar.xz";

    [Test]
    public async Task An_instance_without_Blender_installs_the_download_whose_SHA256_is_in_the_releases_official_list_and_renders()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var release = await ReleaseFolderAsync(workspace);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(release, Tarball))));
        // No sidecar: the release's list, which names every platform's file, is read instead.
        File.WriteAllText(Path.Combine(release, "blender-9.9.9.sha256"),
            $"{new string('a', 64)}  blender-9.9.9-windows-x64.zip\n{hash}  {Tarball}\n{new string('b', 64)}  blender-9.9.9-macos-arm64.dmg\n");
        using var server = StaticFileServer.Start(release);
        var download = server.Hold(Tarball);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        using var run = workspace.Cli.Start("render", scene, "--workers", Workers(fake, "max-instances=1", "blender=/opt/no-blender-here/blender", "blender-url=" + server.BaseUrl + Tarball),
            "--output", output, "--job-id", "install");
        // The download is held: the instance's state in the log must say what it is waiting for.
        await Poll.UntilAsync(() => run.Stderr.Contains("aws: 1 installing Blender", StringComparison.Ordinal) || run.Process.HasExited, TimeSpan.FromMinutes(3),
            "the log says the instance is installing Blender");
        download.SetResult();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(5));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain("aws: 1 installing Blender"), "the instance's state was shown while Blender downloaded");
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(12));
        var instance = fake.Instances.Single();
        Assert.That(File.Exists(Path.Combine(instance.Home, "blender", "blender")), Is.True, "Blender was installed in the instance's home");
        Assert.That(Directory.Exists(Path.Combine(instance.Home, "blender.partial")), Is.False, "and the download was cleaned up");
        Assert.That(server.Requests, Is.EqualTo(new[] { Tarball, Tarball + ".sha256", "blender-9.9.9.sha256" }), "the download, then the official checksums");
        await AssertTornDownAsync(workspace, fake, "install");
    }

    [Test]
    public async Task A_download_whose_SHA256_differs_from_the_official_one_is_not_installed_and_the_job_stops_with_one_sentence()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var release = await ReleaseFolderAsync(workspace);
        var official = new string('0', 60) + "beef";
        File.WriteAllText(Path.Combine(release, Tarball + ".sha256"), $"{official}  {Tarball}\n");
        using var server = StaticFileServer.Start(release);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1", "blender=/opt/no-blender-here/blender", "blender-url=" + server.BaseUrl + Tarball),
            "--output", output, "--job-id", "tampered");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.JobFailed), result.ToString());
        Assert.That(result.Stdout, Does.Contain($"not the official {official}").And.Contain("was not installed"), "the summary says why, in one sentence");
        Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
        var instance = fake.Instances.Single();
        Assert.That(Directory.Exists(Path.Combine(instance.Home, "blender")), Is.False, "nothing was installed");
        Assert.That(Directory.Exists(output) ? Directory.GetFiles(output) : [], Is.Empty, "nothing was rendered");
        await AssertTornDownAsync(workspace, fake, "tampered");
    }

    [Test]
    public void A_pinned_SHA256_must_be_64_hex_digits()
    {
        var error = Assert.Throws<UsageException>(() => BlenderFarm.Coordinator.Workers.AwsSettings.ToOptions(new Dictionary<string, string> { ["blender-sha256"] = "abc" }));
        Assert.That(error!.Message, Does.Contain("64 hexadecimal digits"));
        var options = BlenderFarm.Coordinator.Workers.AwsSettings.ToOptions(new Dictionary<string, string> { ["blender-sha256"] = new string('A', 64) });
        Assert.That(options.BlenderSha256, Is.EqualTo(new string('a', 64)));
    }

    /// <summary>A release folder with a Linux tarball (blender-VERSION-linux-x64.tar.xz, in <paramref name="subfolder"/> if given) whose top folder holds a "blender" that runs this machine's Blender.</summary>
    private static async Task<string> ReleaseFolderAsync(Workspace workspace, string version = "9.9.9", string subfolder = "")
    {
        var name = $"blender-{version}-linux-x64";
        var build = workspace.PathOf("build", name);
        Directory.CreateDirectory(build);
        var launcher = Path.Combine(build, "blender");
        File.WriteAllText(launcher, $"#!/bin/sh\nexec '{Support.Blender.Executable}' \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var release = workspace.PathOf("release");
        Directory.CreateDirectory(Path.Combine(release, subfolder));
        var (code, said) = await ProcessRunner.RunAsync("tar", ["-cJf", Path.Combine(release, subfolder, name + ".tar.xz"), "-C", workspace.PathOf("build"), name],
            TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.That(code, Is.Zero, said);
        return release;
    }
}
