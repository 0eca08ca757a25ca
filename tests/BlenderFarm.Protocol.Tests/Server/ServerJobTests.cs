using System.Text.Json;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Server;

/// <summary>Jobs submitted over the protocol render in the server process, with notifications a client can show.</summary>
[NonParallelizable]
public sealed class ServerJobTests
{
    private string _scenes = "";

    [OneTimeSetUp]
    public async Task MakeScenes() => _scenes = await Repo.MakeScenesAsync();

    [OneTimeTearDown]
    public void RemoveScenes() => Directory.Delete(_scenes, recursive: true);

    [Test]
    public async Task A_submitted_job_sends_frame_done_for_every_frame_then_job_ended_completed()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();
        var output = Path.Combine(harness.Home, "frames");

        var reply = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new
        {
            jobFolder = _scenes, blendFile = "shot.blend", frames = "1-4", chunk = "2", workers = new { kind = "local", slots = 2 }, outputFolder = output,
        }));
        var jobId = reply.GetProperty("result").GetProperty("jobId").GetString()!;
        Assert.That(reply.GetProperty("result").GetProperty("status").GetProperty("phase").GetString(), Is.EqualTo("running"));

        var ended = await WaitForAsync(client, "job.ended", TimeSpan.FromSeconds(120));
        var framesDone = client.Notifications.Where(n => n.GetProperty("method").GetString() == "frame.done").Select(n => n.GetProperty("params")).ToList();
        var status = (await client.CallAsync(Methods.JobStatus, $$"""{"jobId":"{{jobId}}"}""")).GetProperty("result");

        Assert.Multiple(() =>
        {
            Assert.That(ended.GetProperty("phase").GetString(), Is.EqualTo("completed"));
            Assert.That(ended.GetProperty("message").GetString(), Does.Contain("completed: 4/4 frames"));
            Assert.That(framesDone.Select(f => f.GetProperty("frame").GetInt32()).Order(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(framesDone.All(f => File.Exists(f.GetProperty("path").GetString())), Is.True, "every frame.done names a file that exists");
            Assert.That(client.Notifications.Any(n => n.GetProperty("method").GetString() == "job.progress"), Is.True);
            Assert.That(status.GetProperty("phase").GetString(), Is.EqualTo("completed"));
            Assert.That(status.GetProperty("done").GetInt32(), Is.EqualTo(4));
            Assert.That(File.Exists(status.GetProperty("lastFrame").GetProperty("path").GetString()), Is.True);
        });
    }

    [Test]
    public async Task A_scene_with_a_missing_texture_is_refused_with_code_1011_naming_the_file_unless_allowed()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();

        var refused = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new { jobFolder = _scenes, blendFile = "missing.blend", workers = new { kind = "local", slots = 1 }, outputFolder = Path.Combine(harness.Home, "a") }));

        Assert.That(refused.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1011));
        Assert.That(refused.GetProperty("error").GetProperty("message").GetString(), Does.Contain("gone.png"));
        Assert.That(harness.Store.JobIds(), Is.Empty);
    }

    [Test]
    public async Task A_bad_chunk_size_is_refused_with_code_1010_and_one_sentence_before_any_job_exists()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();

        var refused = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new { jobFolder = _scenes, blendFile = "shot.blend", chunk = "0", workers = new { kind = "local", slots = 1 }, outputFolder = Path.Combine(harness.Home, "b") }));

        Assert.That(refused.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1010));
        Assert.That(refused.GetProperty("error").GetProperty("message").GetString(), Does.Contain("'0'"));
        Assert.That(harness.Store.JobIds(), Is.Empty);
    }

    [Test]
    public async Task A_job_cancelled_over_the_protocol_stops_and_reports_cancelled()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();
        var reply = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new
        {
            jobFolder = _scenes, blendFile = "shot.blend", frames = "1-4", chunk = "1", workers = new { kind = "local", slots = 1 }, outputFolder = Path.Combine(harness.Home, "c"),
        }));
        var jobId = reply.GetProperty("result").GetProperty("jobId").GetString()!;

        await client.CallAsync(Methods.JobCancel, $$"""{"jobId":"{{jobId}}"}""");
        var ended = await WaitForAsync(client, "job.ended", TimeSpan.FromSeconds(60));

        Assert.That(ended.GetProperty("phase").GetString(), Is.AnyOf("cancelled", "completed"), "a tiny job may finish before the cancel lands");
        var status = (await client.CallAsync(Methods.JobStatus, $$"""{"jobId":"{{jobId}}"}""")).GetProperty("result");
        Assert.That(status.GetProperty("live").GetBoolean(), Is.False);
    }

    private static async Task<JsonElement> WaitForAsync(RawRpcClient client, string method, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = client.Notifications.FirstOrDefault(n => n.GetProperty("method").GetString() == method);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found.GetProperty("params");
            }

            var message = await client.ReadAsync().WaitAsync(cancel.Token);
            ((List<JsonElement>)client.Notifications).Add(message);
        }
    }
}
