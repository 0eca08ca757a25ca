using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Tests.Support;

namespace BlenderFarm.Domain.Tests.Jobs;

/// <summary>Blender's naming rule: the last run of '#' becomes the zero-padded frame, else four digits are appended.</summary>
[TestFixture]
public sealed class OutputNamingTests
{
    [TestCase("name_", ".png", 1, "name_0001.png", TestName = "No '#': four digits are appended")]
    [TestCase("name_", ".png", 250, "name_0250.png", TestName = "No '#': the frame is zero-padded to four digits")]
    [TestCase("shot_###_v2", ".png", 1, "shot_001_v2.png", TestName = "A run of '#' in the middle is replaced and padded to its width")]
    [TestCase("a#b##", ".png", 7, "a#b07.png", TestName = "Only the last run of '#' is replaced")]
    [TestCase("##_##", ".exr", 3, "##_03.exr", TestName = "Two runs of the same width: the last is replaced")]
    [TestCase("f#", ".png", 42, "f42.png", TestName = "A frame wider than its run of '#' is written whole")]
    [TestCase("", ".png", 1, "0001.png", TestName = "An empty stem gives just the digits")]
    [TestCase("shot_####.png", ".png", 3, "shot_0003.png", TestName = "An extension already present is not doubled")]
    [TestCase("SHOT_####.PNG", ".png", 3, "SHOT_0003.PNG", TestName = "An extension already present in other case is not doubled")]
    [TestCase("name_", ".png", 12345, "name_12345.png", TestName = "Frame 12345 with four digits keeps all five")]
    [TestCase("name_####", ".png", 1048574, "name_1048574.png", TestName = "Blender's last frame keeps all seven digits")]
    [TestCase("name_", "", 9, "name_0009", TestName = "No extension: nothing is appended")]
    [TestCase("name_####", ".exr", 0, "name_0000.exr", TestName = "Frame zero is padded like any other")]
    public void FrameFileName_follows_Blender(string stem, string extension, int frame, string expected)
    {
        Assert.That(OutputNaming.FrameFileName(stem, extension, frame), Is.EqualTo(expected));
    }

    [Test]
    public void A_job_names_and_places_its_frames_from_its_scene()
    {
        var spec = TestJobs.Spec([1, 2], outputDirectory: "/renders/shot010") with
        {
            Scene = TestJobs.Scene(stem: "shot010_####_beauty", extension: ".exr"),
        };

        Assert.That(spec.FrameFileName(12), Is.EqualTo("shot010_0012_beauty.exr"));
        Assert.That(spec.FramePath(12), Is.EqualTo(Path.Combine("/renders/shot010", "shot010_0012_beauty.exr")));
    }
}
