using System.Text.Json;
using BlenderFarm.Blender.Worker;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Integration.Tests.Blender.Worker;

public sealed class WorkerProtocolTests
{
    [Test]
    public void Reads_the_worker_scripts_events()
    {
        Assert.Multiple(() =>
        {
            Assert.That(WorkerProtocol.ParseLine("""@@BF {"ev": "ready", "blender": "3.4.1", "file": "/a.blend"}"""), Is.EqualTo(new WorkerReady("3.4.1")));
            Assert.That(WorkerProtocol.ParseLine("""@@BF {"ev": "begin", "frame": 7}"""), Is.EqualTo(new WorkerFrameEvent(new FrameBegan(7))));
            Assert.That(WorkerProtocol.ParseLine("""@@BF {"ev": "written", "frame": 7, "path": "/o/f 'x' $y.png", "seconds": 1.25}"""),
                Is.EqualTo(new WorkerFrameEvent(new FrameWritten(7, "/o/f 'x' $y.png", 1.25))));
            Assert.That(WorkerProtocol.ParseLine("""@@BF {"ev": "error", "frame": 7, "message": "No camera"}"""),
                Is.EqualTo(new WorkerFrameEvent(new FrameError(7, "No camera"))));
            Assert.That(WorkerProtocol.ParseLine("""@@BF {"ev": "chunk_done"}"""), Is.InstanceOf<WorkerChunkDone>());
        });
    }

    [Test]
    public void Finds_an_event_glued_to_the_end_of_Blenders_own_output()
    {
        var line = "Fra:3 Mem:9.71M | Scene, ViewLayer | Finished@@BF {\"ev\": \"begin\", \"frame\": 4}";
        Assert.That(WorkerProtocol.ParseLine(line), Is.EqualTo(new WorkerFrameEvent(new FrameBegan(4))));
    }

    [TestCase("Fra:12 Mem:10.18M (Peak 10.25M) | Time:00:00.06 | Remaining:00:01.11 | Mem:1.42M, Peak:1.42M | Scene, ViewLayer | Sample 5/96", 12, 5, 96)]
    [TestCase("Fra:1 Mem:9.52M (Peak 10.25M) | Time:00:00.04 | Mem:0.76M, Peak:0.76M | Scene, ViewLayer | Sample 0/16", 1, 0, 16)]
    [TestCase("Fra:250 Mem:120.00M (Peak 130.00M) | Time:00:01.50 | Rendering 33 / 64 samples", 250, 33, 64)]
    public void Reads_sample_progress_from_Blenders_status_lines(string line, int frame, int sample, int samples) =>
        Assert.That(WorkerProtocol.ParseLine(line), Is.EqualTo(new WorkerFrameEvent(new FrameSample(frame, sample, samples))));

    [TestCase("Fra:1 Mem:9.71M (Peak 9.71M) | Time:00:00.03 | Scene, ViewLayer | Updating Lights")]
    [TestCase("Saved: '/tmp/out_0001.png'")]
    [TestCase("Blender 3.4.1")]
    [TestCase("@@BF {not json")]
    [TestCase("@@BF {\"ev\": \"written\", \"frame\": 3}")]
    [TestCase("@@BF {\"ev\": \"something new\"}")]
    [TestCase("")]
    public void Ignores_everything_else(string line) => Assert.That(WorkerProtocol.ParseLine(line), Is.Null);

    [Test]
    public void Writes_render_commands_as_one_JSON_line_that_survives_any_path()
    {
        var path = "/tmp/shot \"one\" 'two' $HOME `x` é\n/frame_0001.png";

        var command = WorkerProtocol.RenderCommand([(1, path), (2, "/b.png")]);

        Assert.That(command, Does.Not.Contain('\n'));
        using var parsed = JsonDocument.Parse(command);
        Assert.That(parsed.RootElement.GetProperty("cmd").GetString(), Is.EqualTo("render"));
        var frames = parsed.RootElement.GetProperty("frames");
        Assert.That(frames[0].GetProperty("frame").GetInt32(), Is.EqualTo(1));
        Assert.That(frames[0].GetProperty("path").GetString(), Is.EqualTo(path));
        Assert.That(frames[1].GetProperty("path").GetString(), Is.EqualTo("/b.png"));
    }
}
