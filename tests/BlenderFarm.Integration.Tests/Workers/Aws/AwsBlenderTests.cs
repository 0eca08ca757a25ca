using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Workers.Aws.Fleet;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>Which official Blender a job's instances install when their image has none: the file's release unless the user pins one.</summary>
public sealed class AwsBlenderTests
{
    private static SceneInfo Scene(string reader, string? saved) => new("Scene", 1, 10, 1, 64, 48, "PNG", ".png", "frame_", "CYCLES", reader, saved);

    private static Uri Download(Dictionary<string, string> pairs, SceneInfo scene) =>
        AwsBlender.ForScene(AwsSettings.ToOptions(pairs), pairs, scene).BlenderDownload;

    [Test]
    public void The_artists_own_patch_is_installed_when_this_computer_runs_the_files_release()
    {
        Assert.That(Download([], Scene("4.3.2", "4.3")).ToString(), Is.EqualTo("https://download.blender.org/release/Blender4.3/blender-4.3.2-linux-x64.tar.xz"));
        Assert.That(Download([], Scene("5.2.2 LTS", "5.2")).ToString(), Is.EqualTo("https://download.blender.org/release/Blender5.2/blender-5.2.2-linux-x64.tar.xz"));
    }

    [Test]
    public void Another_release_gets_its_lines_last_known_patch_or_its_first()
    {
        Assert.That(Download([], Scene("3.4.1", "4.4")).ToString(), Does.EndWith("/Blender4.4/blender-4.4.3-linux-x64.tar.xz"));
        Assert.That(Download([], Scene("3.4.1", "5.7")).ToString(), Does.EndWith("/Blender5.7/blender-5.7.0-linux-x64.tar.xz"), "a release newer than this BlenderFarm knows");
        Assert.That(Download([], Scene("4.3.2", null)).ToString(), Does.EndWith("/Blender4.3/blender-4.3.2-linux-x64.tar.xz"), "no version in the header: this computer's");
    }

    [Test]
    public void A_pinned_version_or_URL_wins_over_the_files_release_and_a_mirror_replaces_the_site()
    {
        Assert.That(Download(new() { ["blender-version"] = "4.2.5" }, Scene("4.3.2", "4.3")).ToString(), Does.EndWith("/Blender4.2/blender-4.2.5-linux-x64.tar.xz"));
        Assert.That(Download(new() { ["blender-version"] = "4.1" }, Scene("4.3.2", "4.3")).ToString(), Does.EndWith("/Blender4.1/blender-4.1.1-linux-x64.tar.xz"));
        Assert.That(Download(new() { ["blender-url"] = "https://cache.studio/blender.tar.xz" }, Scene("4.3.2", "4.3")).ToString(), Is.EqualTo("https://cache.studio/blender.tar.xz"));
        Assert.That(Download(new() { ["blender-mirror"] = "http://mirror.studio/blender" }, Scene("4.3.2", "4.3")).ToString(),
            Is.EqualTo("http://mirror.studio/blender/Blender4.3/blender-4.3.2-linux-x64.tar.xz"));
    }

    [Test]
    public void A_pinned_version_must_look_like_a_Blender_release()
    {
        var error = Assert.Throws<UsageException>(() => AwsSettings.ToOptions(new Dictionary<string, string> { ["blender-version"] = "latest" }));
        Assert.That(error!.Message, Is.EqualTo("blender-version takes a Blender release such as 4.3 or 4.3.2, not 'latest'."));
    }

    [Test]
    public void The_full_version_is_read_from_what_Blender_prints()
    {
        Assert.That(OfficialBlender.Full("Blender 4.3.2"), Is.EqualTo("4.3.2"));
        Assert.That(OfficialBlender.Full("5.2.2 LTS"), Is.EqualTo("5.2.2"));
        Assert.That(OfficialBlender.Full("4.3"), Is.Null);
        Assert.That(OfficialBlender.VersionFor(new BlenderRelease(3, 4), "3.4.1"), Is.EqualTo("3.4.1"));
    }
}
