using System.Globalization;
using System.Text.Json;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Protocol.Tests.Support;
using BlenderFarm.Workers.Aws.Storage;
using StreamJsonRpc;

namespace BlenderFarm.Protocol.Tests.Protocol;

/// <summary>What the add-on sees on the wire: framing, names, values and error codes, byte for byte where it matters.</summary>
public sealed class WireFormatTests
{
    [Test]
    public async Task Handshake_reply_names_the_protocol_version_and_the_server_in_camelCase()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());

        var reply = await client.HandshakeAsync();

        Assert.That(client.LastHeader, Does.Match("^Content-Length: \\d+\r\n"));
        Assert.That(reply.GetProperty("jsonrpc").GetString(), Is.EqualTo("2.0"));
        var result = reply.GetProperty("result");
        Assert.Multiple(() =>
        {
            Assert.That(result.GetProperty("protocolVersion").GetInt32(), Is.EqualTo(2));
            Assert.That(result.GetProperty("server").GetString(), Is.EqualTo("blenderfarm"));
            Assert.That(result.GetProperty("serverVersion").GetString(), Is.EqualTo("0.1.0"));
            Assert.That(result.GetProperty("processId").GetInt32(), Is.EqualTo(Environment.ProcessId));
            Assert.That(result.GetProperty("workerKinds").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "local", "ssh", "aws" }));
        });
    }

    [Test]
    public async Task A_client_with_another_protocol_version_is_refused_with_code_1001_and_both_versions()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());

        var reply = await client.HandshakeAsync(version: 99);

        var error = reply.GetProperty("error");
        Assert.Multiple(() =>
        {
            Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(1001));
            Assert.That(error.GetProperty("message").GetString(), Does.Contain("protocol 99").And.Contain("speaks 2").And.Contain("same BlenderFarm zip"));
            Assert.That(error.GetProperty("data").GetProperty("serverVersion").GetInt32(), Is.EqualTo(2));
            Assert.That(error.GetProperty("data").GetProperty("clientVersion").GetInt32(), Is.EqualTo(99));
        });
        var after = await client.CallAsync(Methods.JobList);
        Assert.That(after.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1002), "a refused handshake grants nothing");
    }

    [Test]
    public async Task Every_method_before_the_handshake_is_refused_with_code_1002()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());

        foreach (var method in new[] { Methods.JobList, Methods.JobStatus, Methods.JobSubmit, Methods.JobCancel, Methods.JobWatch, Methods.JobResume })
        {
            var reply = await client.CallAsync(method, """{"jobId":"x","jobFolder":"/tmp","blendFile":"a.blend"}""");
            Assert.That(reply.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1002), method);
        }
    }

    [Test]
    public async Task On_loopback_tcp_a_wrong_or_absent_token_is_refused_with_code_1003()
    {
        await using var harness = new ServerHarness(token: "secret-token");
        await using var client = new RawRpcClient(harness.Connect());

        Assert.That((await client.HandshakeAsync(token: null)).GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1003));
        Assert.That((await client.HandshakeAsync(token: "guess")).GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1003));
        Assert.That((await client.HandshakeAsync(token: "secret-token")).TryGetProperty("result", out _), Is.True);
    }

    [Test]
    public async Task Status_of_a_job_that_does_not_exist_is_code_1020_and_names_it()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();

        var reply = await client.CallAsync(Methods.JobStatus, """{"jobId":"20990101-000000-dead"}""");
        var traversal = await client.CallAsync(Methods.JobStatus, """{"jobId":"../../etc"}""");

        Assert.That(reply.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1020));
        Assert.That(reply.GetProperty("error").GetProperty("message").GetString(), Does.Contain("20990101-000000-dead"));
        Assert.That(traversal.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1020));
    }

    [Test]
    public async Task Job_list_shows_a_crashed_job_as_interrupted_with_its_frame_counts()
    {
        await using var harness = new ServerHarness();
        var spec = new JobSpec("20250101-120000-abcd", "/p/shot.blend", "/p/out", [1, 2, 3],
            new SceneInfo("Scene", 1, 3, 1, 64, 48, "PNG", ".png", "shot_", "CYCLES", "3.4.1"), ChunkPolicy.Auto, "local:2", "/usr/bin/blender",
            DateTimeOffset.Parse("2025-01-01T12:00:00Z", CultureInfo.InvariantCulture));
        harness.Store.Create(spec).Dispose(); // journaled as running, then its coordinator "died"
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();

        var reply = await client.CallAsync(Methods.JobList);

        var job = reply.GetProperty("result").GetProperty("jobs")[0];
        Assert.Multiple(() =>
        {
            Assert.That(job.GetProperty("jobId").GetString(), Is.EqualTo("20250101-120000-abcd"));
            Assert.That(job.GetProperty("phase").GetString(), Is.EqualTo("interrupted"));
            Assert.That(job.GetProperty("total").GetInt32(), Is.EqualTo(3));
            Assert.That(job.GetProperty("done").GetInt32(), Is.Zero);
            Assert.That(job.GetProperty("queued").GetInt32(), Is.EqualTo(3));
            Assert.That(job.GetProperty("cost").GetDouble(), Is.Zero);
            Assert.That(job.GetProperty("lastFrame").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(job.GetProperty("outputFolder").GetString(), Is.EqualTo("/p/out"));
        });
    }

    [Test]
    public async Task Job_status_lists_the_runs_SSH_hosts_with_their_Blender_versions_as_the_addon_reads_them()
    {
        await using var harness = new ServerHarness();
        var spec = TwoFrameJob("20250101-120000-beef", "ssh:/p/hosts.txt");
        using (var lease = harness.Store.Create(spec))
        {
            lease.Journal.Append(new Domain.Journal.RunStarted(spec.CreatedAt, 1, spec.Workers, [new WorkerHost("render@gpu1", "4.3.2", 2)]));
        }

        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();

        var reply = await client.CallAsync(Methods.JobStatus, JsonSerializer.Serialize(new { jobId = spec.JobId }));

        var hosts = reply.GetProperty("result").GetProperty("hosts");
        Assert.That(hosts.GetRawText(), Is.EqualTo("""[{"host":"render@gpu1","blenderVersion":"4.3.2","slots":2}]"""));
    }

    [Test]
    public async Task The_job_files_upload_reaches_the_submitting_addon_as_job_preparing_with_bytes_rate_and_eta()
    {
        await using var harness = new ServerHarness();
        var spec = TwoFrameJob("20250101-120000-cafe", "aws");
        harness.Store.Create(spec).Dispose();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();
        await client.CallAsync(Methods.JobWatch, JsonSerializer.Serialize(new { jobId = spec.JobId }));

        new UploadNotifier(spec.JobId, harness.Host).Report(new TransferProgress(12 << 20, 48 << 20, 3, 5_000_000, TimeSpan.FromSeconds(3)));
        var message = await client.ReadAsync();

        Assert.That(message.GetProperty("method").GetString(), Is.EqualTo("job.preparing"));
        Assert.That(message.GetProperty("params").GetRawText(), Is.EqualTo(
            """{"jobId":"20250101-120000-cafe","step":"uploading job files","upload":{"sentBytes":12582912,"totalBytes":50331648,"skippedFiles":3,"skippedBytes":5000000,"bytesPerSecond":4194304,"etaSeconds":9}}"""));
    }

    [Test]
    public async Task Submit_refusals_carry_the_code_the_addon_branches_on()
    {
        await using var harness = new ServerHarness();
        await using var client = new RawRpcClient(harness.Connect());
        await client.HandshakeAsync();
        var folder = Repo.NewTempFolder("job");
        File.WriteAllText(Path.Combine(folder, "shot.blend"), "not really");

        var noFolder = await client.CallAsync(Methods.JobSubmit, """{"jobFolder":"/no/such/folder","blendFile":"shot.blend"}""");
        var escape = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new { jobFolder = folder, blendFile = "../x.blend" }));
        var workers = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new { jobFolder = folder, blendFile = "shot.blend", workers = new { kind = "ssh", hostsFile = "/no/such/farm/hosts.txt" } }));
        var notBlend = await client.CallAsync(Methods.JobSubmit, JsonSerializer.Serialize(new { jobFolder = folder, blendFile = "shot.blend", workers = new { kind = "local", slots = 1 } }));

        Assert.Multiple(() =>
        {
            Assert.That(noFolder.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1010));
            Assert.That(escape.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1010));
            Assert.That(workers.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1012));
            Assert.That(workers.GetProperty("error").GetProperty("message").GetString(), Does.Contain("/no/such/farm/hosts.txt"));
            Assert.That(notBlend.GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1010));
            Assert.That(notBlend.GetProperty("error").GetProperty("message").GetString(), Does.Not.Contain("   at "), "one sentence, no stack trace");
        });
        Assert.That(harness.Store.JobIds(), Is.Empty, "a refused job leaves no journal");
    }

    [Test]
    public async Task A_StreamJsonRpc_client_calls_the_contract_with_its_DTOs_as_parameter_objects()
    {
        await using var harness = new ServerHarness();
        using var rpc = RpcConnection.Create(harness.Connect());
        rpc.StartListening();

        var hello = await rpc.InvokeWithParameterObjectAsync<HandshakeReply>(Methods.Handshake, new HandshakeRequest { ProtocolVersion = ProtocolInfo.Version, Client = "tests" });
        var list = await rpc.InvokeWithParameterObjectAsync<JobListReply>(Methods.JobList, new JobListRequest());
        var missing = Assert.ThrowsAsync<RemoteInvocationException>(() => rpc.InvokeWithParameterObjectAsync<JobStatusInfo>(Methods.JobStatus, new JobRequest { JobId = "nope" }));

        Assert.That(hello.ProtocolVersion, Is.EqualTo(ProtocolInfo.Version));
        Assert.That(list.Jobs, Is.Empty);
        Assert.That(missing!.ErrorCode, Is.EqualTo((int)RpcErrorCode.JobNotFound));
    }

    private static JobSpec TwoFrameJob(string jobId, string workers) => new(jobId, "/p/shot.blend", "/p/out", [1, 2],
        new SceneInfo("Scene", 1, 2, 1, 64, 48, "PNG", ".png", "shot_", "CYCLES", "4.3.2", "4.3"), ChunkPolicy.Auto, workers, "/usr/bin/blender",
        DateTimeOffset.Parse("2025-01-01T12:00:00Z", CultureInfo.InvariantCulture));
}
