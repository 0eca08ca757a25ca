using BlenderFarm.Application.Ports;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.RunEndpoints;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace BlenderFarm.Integration.Tests.RunEndpoints;

/// <summary>A run's stop endpoint and its client over real sockets and files: what a cancel in another process meets.</summary>
[TestFixture]
public sealed class RunEndpointTests
{
    private const string JobId = "job-e";
    private Workspace _workspace = null!;
    private CliContext _context = null!;

    [SetUp]
    public void SetUp()
    {
        _workspace = new Workspace();
        _context = new CliContext(new Domain.Journal.JobStore(_workspace.Cli.Home), NullLoggerFactory.Instance, TimeProvider.System, TextWriter.Null, progressOnTerminal: false);
        Directory.CreateDirectory(_context.Store.JobFolder(JobId));
    }

    [TearDown]
    public void TearDown() => _workspace.Dispose();

    [Test]
    public async Task A_job_that_announces_no_endpoint_is_answered_with_a_sentence_naming_the_missing_file()
    {
        var reach = await Client().AskToStopAsync(JobId, RunStop.Cancel, "cancelled by the user", CancellationToken.None);

        Assert.That(reach.Delivered, Is.False);
        Assert.That(reach.Problem, Does.StartWith("it announces no run endpoint (").And.Contain(RunEndpoint.FileName));
    }

    [Test]
    public async Task A_stale_endpoint_of_a_process_that_is_gone_is_answered_with_a_clear_sentence()
    {
        var socket = Path.Combine(_context.Store.JobFolder(JobId), "rpc.sock");
        ServeFiles.WriteEndpointFile(RunEndpoint.FilePath(_context.Store, JobId), new EndpointInfo
        {
            Transport = EndpointInfo.Unix, Path = socket, ProcessId = 999_999, ProtocolVersion = ProtocolInfo.Version, ServerVersion = "0.0.0",
        });

        var reach = await Client().AskToStopAsync(JobId, RunStop.Cancel, "cancelled by the user", CancellationToken.None);

        Assert.That(reach.Delivered, Is.False);
        Assert.That(reach.Problem, Does.StartWith($"its run endpoint {socket} is stale: process 999999 does not answer there ("));
    }

    [Test]
    public async Task An_open_endpoint_answers_over_its_socket_and_is_withdrawn_when_the_run_ends()
    {
        var file = RunEndpoint.FilePath(_context.Store, JobId);
        RunReach reach;
        await using (RunEndpoint.Open(_context.Jobs, JobId, NullLogger.Instance))
        {
            Assert.That(File.Exists(file), Is.True, "announced while the run goes on");
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            }

            reach = await Client().AskToStopAsync(JobId, RunStop.Pause, "paused by the user", CancellationToken.None);
        }

        Assert.That(reach, Is.EqualTo(RunReach.Failed($"job {JobId} is no longer rendering in process {Environment.ProcessId}.")),
            "the request crossed the socket; this process renders nothing");
        Assert.That(File.Exists(file), Is.False, "withdrawn");
    }

    private RunEndpointClient Client() => new(_context.Store, TimeProvider.System);
}
