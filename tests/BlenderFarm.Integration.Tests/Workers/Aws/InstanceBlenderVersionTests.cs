using System.Security.Cryptography;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Integration.Tests.Support.FakeEc2;
using BlenderFarm.Workers.Aws.Fleet;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>
/// The Blender of the file on AWS (issue 9): an instance without Blender installs the official build of the release
/// that saved the .blend, and every instance's Blender is checked against the file before it renders, by the rules of
/// this computer and SSH hosts. A loopback web server stands in for Blender's release tree.
/// </summary>
public sealed partial class SpotFleetTests
{
    [Test]
    public async Task An_instance_without_Blender_installs_the_official_build_of_the_release_that_saved_the_file()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        var artist = OfficialBlender.Full(await BlenderCompatibility.ProbeAsync(Support.Blender.Executable, CancellationToken.None))!;
        var saved = BlendFileVersion.Read(scene)!;
        Assert.That(BlenderRelease.Parse(artist), Is.EqualTo(saved), "the scene was saved by this computer's Blender");
        var folder = $"Blender{saved}";
        var tarball = $"blender-{artist}-linux-x64.tar.xz";
        var release = await ReleaseFolderAsync(workspace, artist, folder);
        var hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(release, folder, tarball))));
        File.WriteAllText(Path.Combine(release, folder, tarball + ".sha256"), $"{hash}  {tarball}\n");
        using var server = StaticFileServer.Start(release);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1", "blender=/opt/no-blender-here/blender", "blender-mirror=" + server.BaseUrl),
            "--output", output, "--job-id", "file-release");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(server.Requests.FirstOrDefault(), Is.EqualTo($"{folder}/{tarball}"), "the artist's own release and patch, from the release tree");
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(12));
        Assert.That(result.Stderr, Does.Not.Contain("older Blender"), "the installed Blender reads the file: no warning");
        await AssertTornDownAsync(workspace, fake, "file-release");
    }

    [Test]
    public async Task An_instance_whose_Blender_is_an_older_minor_release_than_the_files_renders_with_a_warning_naming_it()
    {
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "shot.blend"), new { end = 2, width = 32, height = 24, compress = false });
        var bytes = File.ReadAllBytes(scene);
        Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 0, 12), Is.EqualTo("BLENDER-v304"), "a plain 3.4 header");
        System.Text.Encoding.ASCII.GetBytes("306").CopyTo(bytes, 9); // as if saved by 3.6: the header is all that changes
        File.WriteAllBytes(scene, bytes);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--workers", Workers(fake, "max-instances=1", "blender=" + Support.Blender.Executable),
            "--output", output, "--job-id", "older-minor");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var instance = fake.Instances.Single();
        Assert.That(result.Stderr, Does.Contain($"shot.blend was saved by Blender 3.6 and instance {instance.Id} has the older Blender 3.4.1: what newer features store in the file may be lost in its frames."));
        Assert.That(Directory.GetFiles(output), Has.Length.EqualTo(2));
        await AssertTornDownAsync(workspace, fake, "older-minor");
    }

    [Test]
    [Category("Versions")]
    public async Task An_instance_whose_Blender_is_an_older_major_version_than_the_files_is_refused_and_the_job_stops_in_one_sentence()
    {
        var newest = Blenders.NewestWrapper();
        Assume.That(newest, Is.Not.Null, "needs a Blender 4.x or 5.x wrapper (tools/blender-chroot.sh)");
        using var workspace = new Workspace();
        using var fake = FakeEc2.Start(workspace.PathOf("ec2"));
        fake.UseIn(workspace);
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "new.blend"), new { end = 2, width = 32, height = 24 }, newest);
        var saved = BlendFileVersion.Read(scene)!;
        var output = workspace.PathOf("frames");

        // The image's Blender (this machine's 3.4) is what every instance would run.
        var result = await workspace.Cli.RunAsync("render", scene, "--blender", newest!, "--workers", Workers(fake, "max-instances=1", "blender=" + Support.Blender.Executable),
            "--output", output, "--job-id", "too-old");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.JobFailed), result.ToString());
        var instance = fake.Instances.First();
        Assert.That(result.Stdout, Does.Contain($"new.blend was saved by Blender {saved} and instance {instance.Id} has Blender 3.4.1, an older major version that cannot read it"),
            "the summary says why, in one sentence");
        Assert.That(result.Stderr, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(Directory.Exists(output) ? Directory.GetFiles(output) : [], Is.Empty, "nothing was rendered");
        await AssertTornDownAsync(workspace, fake, "too-old");
    }
}
