using BlenderFarm.Domain.Jobs;

namespace BlenderFarm.Domain.Tests.Jobs;

[TestFixture]
public sealed class ChunkPolicyTests
{
    [TestCase("auto", 0)]
    [TestCase("AUTO", 0)]
    [TestCase("1", 1)]
    [TestCase("8", 8)]
    [TestCase("10000", 10_000)]
    public void Parse_reads_auto_or_a_frame_count(string text, int expectedFixedSize)
    {
        var policy = ChunkPolicy.Parse(text);

        Assert.That(policy.FixedSize, Is.EqualTo(expectedFixedSize));
        Assert.That(policy.IsAuto, Is.EqualTo(expectedFixedSize == 0));
    }

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("10001")]
    [TestCase("8 frames")]
    [TestCase("")]
    [TestCase("automatic")]
    public void Parse_refuses_anything_else_and_says_what_it_takes(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => ChunkPolicy.Parse(text));
        Assert.That(error.Message, Is.EqualTo($"--chunk takes 'auto' or a number of frames from 1 to 10000, not '{text}'."));
    }

    [TestCase("auto")]
    [TestCase("25")]
    public void ToString_round_trips_through_Parse(string text)
    {
        Assert.That(ChunkPolicy.Parse(ChunkPolicy.Parse(text).ToString()), Is.EqualTo(ChunkPolicy.Parse(text)));
    }
}
