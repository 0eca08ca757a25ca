using BlenderFarm.Blender.Output;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Integration.Tests.Blender.Output;

/// <summary>Blender's own status lines, as printed by 3.4, 4.3 and 5.2 (captured from each real version).</summary>
public sealed class BlenderLogLineTests
{
    // 3.4.1 Cycles and EEVEE
    [TestCase("Fra:12 Mem:10.18M (Peak 10.25M) | Time:00:00.06 | Remaining:00:01.11 | Mem:1.42M, Peak:1.42M | Scene, ViewLayer | Sample 5/96", 12, 5, 96)]
    [TestCase("Fra:250 Mem:120.00M (Peak 130.00M) | Time:00:01.50 | Rendering 33 / 64 samples", 250, 33, 64)]
    // 4.3.2 Cycles
    [TestCase("Fra:1 Mem:10.08M (Peak 10.23M) | Time:00:00.02 | Remaining:00:00.01 | Mem:0.12M, Peak:0.12M | Scene, ViewLayer | Sample 1/4", 1, 1, 4)]
    // 5.2.2 Cycles and EEVEE
    [TestCase("00:01.084  render           | Fra: 1 | Remaining: 00:00.00 | Mem: 1M | Sample 1/4", 1, 1, 4)]
    [TestCase("00:01.083  render           | Fra: 1 | Mem: 1M | Sample 0/4", 1, 0, 4)]
    [TestCase("01:00.886  render           | Fra: 1 | Rendering 1 / 4 samples", 1, 1, 4)]
    [TestCase("00:01.197  render | Fra: 2 | Remaining: 00:00.01 | Mem: 1M | Sample 1/4", 2, 1, 4)]
    public void Reads_sample_progress_from_every_versions_status_lines(string line, int frame, int sample, int samples) =>
        Assert.That(BlenderLogLine.Sample(line), Is.EqualTo(new FrameSample(frame, sample, samples)));

    [TestCase("Fra:1 Sample 99999999999/1")]
    [TestCase("Fra:99999999999 Mem:1M | Sample 1/4")]
    [TestCase("00:01.197  render | Fra: 2 | Sample 1/99999999999")]
    [TestCase("Fra:1 Mem:9.71M (Peak 9.71M) | Time:00:00.03 | Scene, ViewLayer | Updating Lights")]
    [TestCase("Saved: '/tmp/out_0001.png'")]
    [TestCase("")]
    public void Ignores_lines_without_a_sane_sample_count(string line) => Assert.That(BlenderLogLine.Sample(line), Is.Null);

    [TestCase("Fra:1 Mem:9.71M (Peak 9.71M) | Time:00:00.03 | Scene, ViewLayer | Updating Lights")]
    [TestCase("00:01.197  render | Fra: 2 | Remaining: 00:00.01 | Mem: 1M | Sample 1/4")]
    [TestCase("00:01.075  render           | Fra: 1 | Mem: 1M | Updating Scene BVH | Building BVH")]
    public void Knows_a_progress_line_from_every_version(string line) => Assert.That(BlenderLogLine.IsProgress(line), Is.True);

    [TestCase("Error: Python: Traceback (most recent call last):")]
    [TestCase("TypeError: enum \"PNG\" not found in ('FFMPEG')")]
    [TestCase("Saved: '/tmp/out_0001.png'")]
    [TestCase("00:01.468  render           | Saved: '/tmp/vers/s/f_001.png'")]
    public void Keeps_other_lines_as_error_context(string line) => Assert.That(BlenderLogLine.IsProgress(line), Is.False);

    // 3.4.1 / 4.3.2 print " Time: 00:00.56 (Saving: 00:00.01)"; 5.2.2 prints it behind its clock and category.
    [TestCase(" Time: 00:00.56 (Saving: 00:00.01)", 0.56)]
    [TestCase("Time: 01:02.50 (Saving: 00:00.01)", 62.5)]
    [TestCase("Time: 00:00.51 (Saving: 00:00.48)", 0.51)]
    [TestCase("00:01.468  render           | Time: 00:00.40 (Saving: 00:00.38)", 0.40)]
    [TestCase("01:06.478  render           | Time: 01:05.07 (Saving: 00:00.31)", 65.07)]
    [TestCase("00:02.310  render | Time: 01:00:00.00 (Saving: 00:00.27)", 3600)]
    public void Reads_the_frame_time_of_every_version(string line, double seconds) =>
        Assert.That(BlenderLogLine.FrameSeconds(line), Is.EqualTo(seconds).Within(1e-9));

    [TestCase("Time: 99999999999999999999999999999999999999999999:00.00 (Saving: 00:00.01)")]
    [TestCase("Fra:1 Mem:9.52M (Peak 10.25M) | Time:00:00.04 | Sample 0/16")]
    [TestCase("render | Time: banana (Saving: 00:00.27)")]
    public void Ignores_lines_that_are_not_a_sane_frame_time(string line) => Assert.That(BlenderLogLine.FrameSeconds(line), Is.Null);
}
