using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Domain.Tests.Scheduling;

[TestFixture]
public sealed class ChunkPlannerTests
{
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(30);

    //         fixed, queued, slots, mean,  expected
    [TestCase(10, 100, 2, null, 10, TestName = "Fixed: the chunk has the fixed size")]
    [TestCase(10, 3, 2, null, 3, TestName = "Fixed: capped by the frames queued")]
    [TestCase(10, 12, 4, 1.0, 10, TestName = "Fixed: no tail cap, the user asked for that size")]
    [TestCase(1, 50, 2, 0.5, 1, TestName = "Fixed: one frame at a time")]
    [TestCase(10, 0, 2, null, 0, TestName = "Fixed: nothing queued gives 0")]
    [TestCase(0, 0, 2, 5.0, 0, TestName = "Auto: nothing queued gives 0")]
    [TestCase(0, -1, 2, 5.0, 0, TestName = "Auto: a negative queue gives 0")]
    [TestCase(0, 100, 2, null, 1, TestName = "Auto: one frame until a render time is known")]
    [TestCase(0, 100, 2, 0.0, 1, TestName = "Auto: a zero mean is not a measurement")]
    [TestCase(0, 1000, 2, 5.0, 6, TestName = "Auto: target 30 s / 5 s a frame = 6")]
    [TestCase(0, 1000, 2, 7.0, 4, TestName = "Auto: rounds down, 30 / 7 = 4")]
    [TestCase(0, 1000, 2, 45.0, 1, TestName = "Auto: frames slower than the target go one at a time")]
    [TestCase(0, 20, 2, 1.0, 5, TestName = "Auto: tail cap, 20 queued on 2 slots: half a fair share is 5")]
    [TestCase(0, 21, 2, 1.0, 6, TestName = "Auto: tail cap rounds up, 21 / 4 = 5.25 gives 6")]
    [TestCase(0, 3, 4, 1.0, 1, TestName = "Auto: tail cap never goes below one frame")]
    [TestCase(0, 10, 0, 1.0, 5, TestName = "Auto: no active slot counts as one")]
    [TestCase(0, 1000, 2, 1e-9, 250, TestName = "Auto: near-instant frames are capped by the tail rule, not overflowed")]
    public void NextChunkSize(int fixedSize, int queued, int activeSlots, double? meanSeconds, int expected)
    {
        Assert.That(ChunkPlanner.NextChunkSize(new ChunkPolicy(fixedSize), queued, activeSlots, meanSeconds, Target), Is.EqualTo(expected));
    }

    //        queued, slots, slot s, fleet s, expected
    [TestCase(1000, 10, 5.0, 10.0, 6, TestName = "Auto per slot: a fast slot's chunk lasts the target on it (30 / 5)")]
    [TestCase(1000, 10, 15.0, 10.0, 2, TestName = "Auto per slot: a slow slot's chunk lasts the target on it (30 / 15)")]
    [TestCase(40, 10, 1.0, 2.0, 4, TestName = "Auto per slot: the tail cap is this slot's share by speed (40 x 2 / 20)")]
    [TestCase(40, 10, 4.0, 2.0, 1, TestName = "Auto per slot: a slow slot's tail share is smaller (40 x 0.5 / 20)")]
    [TestCase(100, 2, null, null, 1, TestName = "Auto per slot: one frame until a time is known")]
    public void NextChunkSize_for_one_slot_of_a_mixed_fleet(int queued, int activeSlots, double? slotSeconds, double? fleetSeconds, int expected)
    {
        Assert.That(ChunkPlanner.NextChunkSize(ChunkPolicy.Auto, queued, activeSlots, slotSeconds, fleetSeconds, Target), Is.EqualTo(expected));
    }

    [Test]
    public void Auto_never_takes_more_than_half_a_fair_share_nor_less_than_one_frame()
    {
        using (Assert.EnterMultipleScope())
        {
            for (var queued = 1; queued <= 300; queued += 7)
            {
                for (var slots = 1; slots <= 8; slots++)
                {
                    foreach (var mean in new[] { 0.01, 0.5, 3.0, 29.0 })
                    {
                        var size = ChunkPlanner.NextChunkSize(ChunkPolicy.Auto, queued, slots, mean, Target);
                        var halfFairShare = Math.Max(1, (int)Math.Ceiling(queued / (2.0 * slots)));
                        Assert.That(size, Is.InRange(1, halfFairShare), $"queued {queued}, slots {slots}, mean {mean}");
                    }
                }
            }
        }
    }

    [Test]
    public void Auto_chunks_shrink_as_the_queue_drains()
    {
        var sizes = new List<int>();
        var queued = 200;
        while (queued > 0)
        {
            var size = ChunkPlanner.NextChunkSize(ChunkPolicy.Auto, queued, 2, 0.1, Target);
            sizes.Add(size);
            queued -= size;
        }

        Assert.That(sizes, Is.Ordered.Descending);
        Assert.That(sizes[^1], Is.EqualTo(1));
        Assert.That(sizes.Sum(), Is.EqualTo(200));
    }

    [Test]
    public void A_longer_target_gives_longer_chunks()
    {
        var shortTarget = ChunkPlanner.NextChunkSize(ChunkPolicy.Auto, 1000, 2, 2.0, TimeSpan.FromSeconds(10));
        var longTarget = ChunkPlanner.NextChunkSize(ChunkPolicy.Auto, 1000, 2, 2.0, TimeSpan.FromMinutes(2));

        Assert.That(shortTarget, Is.EqualTo(5));
        Assert.That(longTarget, Is.EqualTo(60));
    }
}
