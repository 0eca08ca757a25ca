using System.Text;
using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Integration.Tests.Blender.Discovery;

/// <summary>The file's Blender against a worker's: the rule, the sentences, and both header forms (no Blender needed).</summary>
public sealed class BlenderCompatibilityTests
{
    [TestCase("BLENDER-v304REND", 3, 4)]
    [TestCase("BLENDER_V293REND", 2, 93)]
    [TestCase("BLENDER-v403REND", 4, 3)]
    [TestCase("BLENDER17-01v0502", 5, 2)]
    [TestCase("BLENDER17-01V0500", 5, 0)]
    public void Both_header_forms_name_the_saving_release(string header, int major, int minor) =>
        Assert.That(BlendFileVersion.FromHeader(Encoding.ASCII.GetBytes(header)), Is.EqualTo(new BlenderRelease(major, minor)));

    [TestCase("BLENDIR-v304REND")]
    [TestCase("BLENDER-v3")]
    [TestCase("BLENDER17-01vXX02")]
    public void Anything_else_is_no_version(string header) =>
        Assert.That(BlendFileVersion.FromHeader(Encoding.ASCII.GetBytes(header)), Is.Null);

    [Test]
    public void An_older_major_release_is_refused_in_one_sentence()
    {
        var (verdict, sentence) = BlenderCompatibility.Judge("shot.blend", new BlenderRelease(5, 2), "host farm1", "3.4.1");

        Assert.That(verdict, Is.EqualTo(BlendCompatibility.Refuse));
        Assert.That(sentence, Is.EqualTo("shot.blend was saved by Blender 5.2 and host farm1 has Blender 3.4.1, an older major version that cannot read it: install Blender 5.2 or newer there, or save the file with Blender 3.x."));
    }

    [Test]
    public void An_older_minor_release_is_a_warning()
    {
        var (verdict, sentence) = BlenderCompatibility.Judge("shot.blend", new BlenderRelease(4, 3), "this computer", "4.2.3 LTS");

        Assert.That(verdict, Is.EqualTo(BlendCompatibility.Warn));
        Assert.That(sentence, Is.EqualTo("shot.blend was saved by Blender 4.3 and this computer has the older Blender 4.2.3 LTS: what newer features store in the file may be lost in its frames."));
    }

    [TestCase("5.2.2 LTS")]
    [TestCase("4.3.2")]
    [TestCase("4.3.0")]
    public void The_same_or_a_newer_release_reads_the_file(string worker) =>
        Assert.That(BlenderCompatibility.Judge("shot.blend", new BlenderRelease(4, 3), "this computer", worker).Verdict, Is.EqualTo(BlendCompatibility.Reads));

    [Test]
    public void A_worker_version_that_cannot_be_read_is_not_refused() =>
        Assert.That(BlenderCompatibility.Judge("shot.blend", new BlenderRelease(4, 3), "host x", "unknown").Verdict, Is.EqualTo(BlendCompatibility.Reads));
}
