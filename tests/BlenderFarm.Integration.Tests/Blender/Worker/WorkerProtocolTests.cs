using System.Text.Json;
using BlenderFarm.Blender.Worker;
using BlenderFarm.Domain.Ports;

namespace BlenderFarm.Integration.Tests.Blender.Worker;

public sealed class WorkerProtocolTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static WorkerMessage? Event(string json) => WorkerProtocol.ParseLine($"@@BF {Token} {json}", Token);

    [Test]
    public void Reads_the_worker_scripts_events()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Event("""{"ev": "ready", "blender": "3.4.1", "file": "/a.blend"}"""), Is.EqualTo(new WorkerReady("3.4.1")));
            Assert.That(Event("""{"ev": "begin", "frame": 7}"""), Is.EqualTo(new WorkerFrameEvent(new FrameBegan(7))));
            Assert.That(Event("""{"ev": "error", "frame": 7, "message": "No camera"}"""),
                Is.EqualTo(new WorkerFrameEvent(new FrameError(7, "No camera"))));
            Assert.That(Event("""{"ev": "chunk_done"}"""), Is.InstanceOf<WorkerChunkDone>());
        });
    }

    [Test]
    public void A_written_frame_never_carries_the_path_the_worker_names()
    {
        var message = Event($$"""{"ev": "written", "frame": 7, "path": "/home/me/.ssh/id_ed25519", "seconds": 1.25, "bytes": 12, "sha256": "{{Sha}}"}""");

        Assert.That(message, Is.EqualTo(new WorkerFrameEvent(new FrameWritten(7, "", 1.25, 12, Sha))));
    }

    [TestCase("""{"ev": "written", "frame": 3, "path": "/o/a.png", "seconds": 1}""")]
    [TestCase("""{"ev": "written", "frame": 3, "path": "/o/a.png", "seconds": 1, "bytes": 12}""")]
    [TestCase("""{"ev": "written", "frame": 3, "path": "/o/a.png", "seconds": 1, "bytes": 12, "sha256": "abc"}""")]
    public void A_written_frame_without_size_and_SHA_256_is_an_error_for_that_frame(string json) =>
        Assert.That(Event(json), Is.EqualTo(new WorkerFrameEvent(new FrameError(3, "the worker reported the frame without its size and SHA-256"))));

    [TestCase("@@BF {\"ev\": \"begin\", \"frame\": 4}")]
    [TestCase("@@BF ffffffffffffffffffffffffffffffff {\"ev\": \"begin\", \"frame\": 4}")]
    [TestCase("Fra:3 Mem:9.71M | Scene, ViewLayer | Synchronizing object | @@BF 0123456789abcdef0123456789abcdef {\"ev\": \"begin\", \"frame\": 4}")]
    [TestCase(" @@BF 0123456789abcdef0123456789abcdef {\"ev\": \"begin\", \"frame\": 4}")]
    public void Only_a_line_that_starts_with_this_sessions_token_is_an_event(string line) =>
        Assert.That(WorkerProtocol.ParseLine(line, Token), Is.Null);

    [Test]
    public void Tokens_are_fresh_and_long()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => WorkerProtocol.NewToken()).ToList();
        Assert.That(tokens.Distinct().Count(), Is.EqualTo(100));
        Assert.That(tokens, Has.All.Length.EqualTo(32));
    }

    [TestCase("Fra:12 Mem:10.18M (Peak 10.25M) | Time:00:00.06 | Remaining:00:01.11 | Mem:1.42M, Peak:1.42M | Scene, ViewLayer | Sample 5/96", 12, 5, 96)]
    [TestCase("Fra:1 Mem:9.52M (Peak 10.25M) | Time:00:00.04 | Mem:0.76M, Peak:0.76M | Scene, ViewLayer | Sample 0/16", 1, 0, 16)]
    [TestCase("Fra:250 Mem:120.00M (Peak 130.00M) | Time:00:01.50 | Rendering 33 / 64 samples", 250, 33, 64)]
    public void Reads_sample_progress_from_Blenders_status_lines(string line, int frame, int sample, int samples) =>
        Assert.That(WorkerProtocol.ParseLine(line), Is.EqualTo(new WorkerFrameEvent(new FrameSample(frame, sample, samples))));

    [TestCase("Fra:1 Mem:9.71M (Peak 9.71M) | Time:00:00.03 | Scene, ViewLayer | Updating Lights")]
    [TestCase("Saved: '/tmp/out_0001.png'")]
    [TestCase("Blender 3.4.1")]
    [TestCase("Fra:1 Mem:9.52M (Peak 10.25M) | Time:00:00.04 | Scene, ViewLayer | Sample 99999999999/1")]
    [TestCase("Fra:99999999999 Mem:9.52M | Scene, ViewLayer | Sample 1/4")]
    [TestCase("Fra:1 Mem:9.52M | Rendering 1 / 99999999999 samples")]
    [TestCase("@@BF 0123456789abcdef0123456789abcdef {not json")]
    [TestCase("@@BF 0123456789abcdef0123456789abcdef {\"ev\": \"something new\"}")]
    [TestCase("")]
    public void Ignores_everything_else(string line) => Assert.That(WorkerProtocol.ParseLine(line, Token), Is.Null);

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
