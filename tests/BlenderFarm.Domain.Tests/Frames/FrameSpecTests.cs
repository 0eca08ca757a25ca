using BlenderFarm.Domain.Frames;

namespace BlenderFarm.Domain.Tests.Frames;

[TestFixture]
public sealed class FrameSpecTests
{
    private static readonly object[] ValidSpecs =
    [
        new TestCaseData("1-250", Enumerable.Range(1, 250).ToArray()).SetName("A range holds every frame from first to last"),
        new TestCaseData("1,5,9", new[] { 1, 5, 9 }).SetName("A list holds exactly the frames named"),
        new TestCaseData("7", new[] { 7 }).SetName("A single frame"),
        new TestCaseData("0", new[] { 0 }).SetName("Frame zero is a frame"),
        new TestCaseData("1-100x4", Enumerable.Range(0, 25).Select(i => 1 + (4 * i)).ToArray()).SetName("A step takes every nth frame from the first"),
        new TestCaseData("1-10X3", new[] { 1, 4, 7, 10 }).SetName("An upper-case X is a step too"),
        new TestCaseData("1-3,20,30-40x5", new[] { 1, 2, 3, 20, 30, 35, 40 }).SetName("Ranges, single frames and steps mix"),
        new TestCaseData(" 1 - 3 , 8 ,10 - 12 x 2 ", new[] { 1, 2, 3, 8, 10, 12 }).SetName("Spaces around numbers and separators are ignored"),
        new TestCaseData("5,5,5", new[] { 5 }).SetName("Duplicates collapse"),
        new TestCaseData("1-5,3-7,6", new[] { 1, 2, 3, 4, 5, 6, 7 }).SetName("Overlapping ranges collapse"),
        new TestCaseData("9,1,5,3-4", new[] { 1, 3, 4, 5, 9 }).SetName("The result is sorted whatever the order written"),
        new TestCaseData("10-10", new[] { 10 }).SetName("A range of one frame"),
        new TestCaseData("1-9x20", new[] { 1 }).SetName("A step larger than the range keeps the first frame"),
        new TestCaseData("1048574", new[] { 1_048_574 }).SetName("Blender's last frame is accepted"),
    ];

    [TestCaseSource(nameof(ValidSpecs))]
    public void Parse_reads_what_artists_write(string spec, int[] expected)
    {
        Assert.That(FrameSpec.Parse(spec), Is.EqualTo(expected));
    }

    [TestCase("", "The frame list is empty")]
    [TestCase("   ", "The frame list is empty")]
    [TestCase("abc", "'abc' is not a valid frame number")]
    [TestCase("1-abc", "'abc' is not a valid frame number")]
    [TestCase("5-1", "'5-1' in '5-1' runs backwards: write the lower frame first.")]
    [TestCase("1-10x0", "'1-10x0' in '1-10x0' has step 0: a step must be 1 or more.")]
    [TestCase("1-10x", "'' is not a valid step number")]
    [TestCase("1-10xq", "'q' is not a valid step number")]
    [TestCase("3x2", "'3x2' in '3x2' has a step but no range: write it like 1-100x4.")]
    [TestCase("1,,2", "'1,,2' has an empty item between commas")]
    [TestCase("1,2,", "'1,2,' has an empty item between commas")]
    [TestCase(",1", "',1' has an empty item between commas")]
    [TestCase("1-5-9", "'5-9' is not a valid frame number")]
    [TestCase("+5", "'+5' is not a valid frame number")]
    [TestCase("1.5", "'1.5' is not a valid frame number")]
    [TestCase("1048575", "'1048575' is not a valid frame number")]
    [TestCase("1-99999999999999999999", "'99999999999999999999' is not a valid frame number")]
    public void Parse_refuses_a_malformed_list_and_says_what_is_wrong(string spec, string expectedMessagePart)
    {
        var error = Assert.Throws<FrameSpecException>(() => FrameSpec.Parse(spec));
        Assert.That(error.Message, Does.Contain(expectedMessagePart));
    }

    [TestCase("-5")]
    [TestCase("1,-5")]
    [TestCase("-10-5")]
    [TestCase("-10--5")]
    public void Parse_refuses_negative_frames_and_quotes_the_list(string spec)
    {
        var error = Assert.Throws<FrameSpecException>(() => FrameSpec.Parse(spec));
        Assert.That(error.Message, Does.StartWith($"'{spec}' is not a frame list:"));
    }

    [Test]
    public void Every_error_message_shows_the_user_how_to_write_frames()
    {
        foreach (var spec in new[] { "", "abc", "1,,2", "-5" })
        {
            var error = Assert.Throws<FrameSpecException>(() => FrameSpec.Parse(spec));
            Assert.That(error.Message, Does.Contain("1-250, 1,5,9 or 1-100x4"), spec);
        }
    }

    [Test]
    public void Parse_accepts_exactly_MaxFrames_frames()
    {
        var frames = FrameSpec.Parse($"1-{FrameSpec.MaxFrames}");

        Assert.That(frames, Has.Count.EqualTo(FrameSpec.MaxFrames));
        Assert.That(frames[^1], Is.EqualTo(FrameSpec.MaxFrames));
    }

    [TestCase("0-1000000")]
    [TestCase("1-1048574")]
    [TestCase("1-600000,600001-1000001")]
    public void Parse_refuses_more_than_MaxFrames_frames(string spec)
    {
        var error = Assert.Throws<FrameSpecException>(() => FrameSpec.Parse(spec));
        Assert.That(error.Message, Is.EqualTo($"'{spec}' names more than 1,000,000 frames."));
    }

    [Test]
    public void Duplicates_do_not_count_towards_MaxFrames()
    {
        var frames = FrameSpec.Parse("1-1000,1-1000,500-1000x2");

        Assert.That(frames, Is.EqualTo(Enumerable.Range(1, 1000)));
    }

    [Test]
    public void Parse_rejects_null()
    {
        Assert.Throws<ArgumentNullException>(() => FrameSpec.Parse(null!));
    }

    [TestCase(1, 10, 1, new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 })]
    [TestCase(1, 10, 3, new[] { 1, 4, 7, 10 })]
    [TestCase(1, 11, 3, new[] { 1, 4, 7, 10 })]
    [TestCase(0, 0, 1, new[] { 0 })]
    [TestCase(5, 6, 10, new[] { 5 })]
    public void FromScene_renders_the_scene_range_with_its_step(int start, int end, int step, int[] expected)
    {
        Assert.That(FrameSpec.FromScene(start, end, step), Is.EqualTo(expected));
    }

    [TestCase(10, 1, 1, "The scene's frame range 10-1 (step 1) holds no frames.")]
    [TestCase(1, 10, 0, "The scene's frame range 1-10 (step 0) holds no frames.")]
    [TestCase(1, 10, -2, "The scene's frame range 1-10 (step -2) holds no frames.")]
    public void FromScene_refuses_a_range_with_no_frames(int start, int end, int step, string expectedMessage)
    {
        var error = Assert.Throws<FrameSpecException>(() => FrameSpec.FromScene(start, end, step));
        Assert.That(error.Message, Is.EqualTo(expectedMessage));
    }

    [Test]
    public void EnsureInsideScene_accepts_frames_on_the_scene_bounds()
    {
        Assert.DoesNotThrow(() => FrameSpec.EnsureInsideScene([1, 100, 250], 1, 250));
    }

    [TestCase(new[] { 1, 251 }, "Frame 251 is outside the scene's range 1-250.")]
    [TestCase(new[] { 0, 5, 300 }, "Frames 0, 300 are outside the scene's range 1-250.")]
    [TestCase(new[] { 251, 252, 253, 254, 255, 256, 257 }, "Frames 251, 252, 253, 254, 255, ... are outside the scene's range 1-250.")]
    public void EnsureInsideScene_names_the_frames_outside_and_the_scene_range(int[] frames, string expectedMessage)
    {
        var error = Assert.Throws<FrameSpecException>(() => FrameSpec.EnsureInsideScene(frames, 1, 250));
        Assert.That(error.Message, Is.EqualTo(expectedMessage));
    }

    [TestCase(new int[0], "")]
    [TestCase(new[] { 5 }, "5")]
    [TestCase(new[] { 1, 2 }, "1-2")]
    [TestCase(new[] { 1, 2, 3, 7, 9, 10 }, "1-3,7,9-10")]
    [TestCase(new[] { 1, 5, 9 }, "1,5,9")]
    public void Format_writes_runs_compactly(int[] frames, string expected)
    {
        Assert.That(FrameSpec.Format(frames), Is.EqualTo(expected));
    }

    [TestCase("1-250")]
    [TestCase("1,5,9")]
    [TestCase("1-100x4")]
    [TestCase("1-3,20,30-40x5,41,42")]
    [TestCase("0")]
    [TestCase("1048570-1048574")]
    public void Format_round_trips_through_Parse(string spec)
    {
        var frames = FrameSpec.Parse(spec);

        Assert.That(FrameSpec.Parse(FrameSpec.Format(frames)), Is.EqualTo(frames));
    }
}
