using BlenderFarm.Coordinator.Progress;
using BlenderFarm.Domain.Scheduling;

namespace BlenderFarm.Protocol.Tests.Progress;

/// <summary>The live progress line people read on a terminal.</summary>
[TestFixture]
public sealed class ProgressTextTests
{
    [Test]
    public void The_line_shows_what_cloud_instances_cost_so_far()
    {
        var line = ProgressText.Line(Progress(cost: 0.4234), 200);

        Assert.That(line, Is.EqualTo("[##########..........] 5/10 done | 2.5 frames/min | ETA 2m00s | $0.42 | cloud-1: 6 3/8"));
    }

    [Test]
    public void The_line_of_a_job_that_costs_nothing_shows_no_cost()
    {
        var line = ProgressText.Line(Progress(cost: 0), 200);

        Assert.That(line, Is.EqualTo("[##########..........] 5/10 done | 2.5 frames/min | ETA 2m00s | cloud-1: 6 3/8"));
        Assert.That(ProgressText.Cost(0), Is.Null);
    }

    [Test]
    public void The_line_says_what_the_cloud_instances_are_doing_before_the_slots()
    {
        var line = ProgressText.Line(Progress(cost: 0.4234) with { Workers = "aws: 2 rendering, 1 booting, 1 interrupted" }, 200);

        Assert.That(line, Is.EqualTo("[##########..........] 5/10 done | 2.5 frames/min | ETA 2m00s | $0.42 | aws: 2 rendering, 1 booting, 1 interrupted | cloud-1: 6 3/8"));
    }

    private static JobProgress Progress(double cost) =>
        new(10, 5, 0, 4, 1, 2.5, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(2), [new SlotActivity("cloud-1", "rendering 6", 6, 3, 8, false)], cost);
}
