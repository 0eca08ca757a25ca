using System.Net.Sockets;
using System.Text;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Protocol.Tests.Server;

/// <summary>
/// A local user who can reach the server's socket or loopback port but holds no token cannot make it buffer, parse
/// or wait without bound: oversized headers and bodies and silent clients are dropped, and a proper client still
/// works. Over the real Unix socket and the real loopback TCP transport (the Windows one).
/// </summary>
[TestFixture(EndpointInfo.Unix)]
[TestFixture(EndpointInfo.Tcp)]
[NonParallelizable]
public sealed class RpcLimitsTests(string transport)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _time = new();
    private string _home = "";
    private JobHost _host = null!;
    private RpcServer _server = null!;
    private RpcListener _listener = null!;
    private CancellationTokenSource _stop = null!;
    private Task _serving = Task.CompletedTask;

    [SetUp]
    public void Start()
    {
        Assume.That(transport == EndpointInfo.Tcp || !OperatingSystem.IsWindows(), "Unix sockets are the Linux and macOS transport");
        _home = Repo.NewTempFolder("limits");
        var run = Path.Combine(_home, "run");
        ServeFiles.CreatePrivateFolder(run);
        _host = new JobHost(new JobStore(_home), NullLoggerFactory.Instance, _time);
        _listener = RpcListener.Open(transport, run, "0.1.0");
        _server = new RpcServer(_host, new ServerIdentity("0.1.0", _listener.Token), NullLoggerFactory.Instance, new RpcLimits { Connections = 3 });
        _stop = new CancellationTokenSource();
        _serving = _server.ServeAsync(_listener, _stop.Token);
    }

    [TearDown]
    public async Task Stop()
    {
        await _stop.CancelAsync();
        await _serving;
        await _listener.DisposeAsync();
        _stop.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    [Test]
    public async Task A_header_longer_than_8_KB_closes_the_connection_without_reading_the_rest()
    {
        await using var stream = await ConnectAsync();
        var junk = Encoding.ASCII.GetBytes("X-Junk: " + new string('a', 64 * 1024));
        var before = Environment.TickCount64;
        await WriteIgnoringCloseAsync(stream, junk, times: 16);

        await AssertClosedAsync(stream);
        Assert.That(Environment.TickCount64 - before, Is.LessThan(5_000), "one megabyte of header costs milliseconds, not seconds");
        await AssertServerRecoversAsync();
    }

    [Test]
    public async Task A_huge_content_length_before_the_handshake_closes_the_connection_without_buffering_the_body()
    {
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var stream = await ConnectAsync();
        await WriteIgnoringCloseAsync(stream, "Content-Length: 2000000000\r\n\r\n"u8.ToArray(), times: 1);
        await WriteIgnoringCloseAsync(stream, new byte[1024 * 1024], times: 64);

        await AssertClosedAsync(stream);
        Assert.That(GC.GetTotalMemory(forceFullCollection: true) - memoryBefore, Is.LessThan(16L * 1024 * 1024), "the 64 MB the client sent were not kept");
        await AssertServerRecoversAsync();
    }

    [Test]
    public async Task A_valid_message_over_the_pre_handshake_limit_closes_the_connection()
    {
        await using var stream = await ConnectAsync();
        var body = Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","method":"nothing","params":{"pad":"{{{new string('a', 100_000)}}}"}}""");
        await WriteIgnoringCloseAsync(stream, Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), times: 1);
        await WriteIgnoringCloseAsync(stream, body, times: 1);

        await AssertClosedAsync(stream);
        await AssertServerRecoversAsync();
    }

    [Test]
    public async Task A_silent_client_is_closed_after_5_seconds_and_never_counts_as_activity()
    {
        await using var stream = await ConnectAsync();
        await WaitUntilAsync(() => _server.Connections == 1);
        Assert.That(_host.Sessions, Is.Zero, "an unauthenticated connection does not keep an idle server alive");

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.That(_server.Connections, Is.EqualTo(1), "still within the handshake deadline");
        _time.Advance(TimeSpan.FromSeconds(1));

        await AssertClosedAsync(stream);
        await AssertServerRecoversAsync();
    }

    [Test]
    public async Task Connections_over_the_cap_are_closed_and_a_freed_slot_is_usable_again()
    {
        var held = new List<Stream>();
        for (var i = 0; i < 3; i++)
        {
            held.Add(await ConnectAsync());
        }

        await WaitUntilAsync(() => _server.Connections == 3);
        await using (var extra = await ConnectAsync())
        {
            await AssertClosedAsync(extra);
        }

        foreach (var stream in held)
        {
            await stream.DisposeAsync();
        }

        await AssertServerRecoversAsync();
    }

    private async Task<Stream> ConnectAsync()
    {
        if (transport == EndpointInfo.Unix)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_listener.Endpoint.Path!));
            return new NetworkStream(socket, ownsSocket: true);
        }

        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _listener.Endpoint.Port!.Value);
        return new NetworkStream(tcp.Client, ownsSocket: true);
    }

    /// <summary>Nothing stays behind, and a client with the right handshake is served.</summary>
    private async Task AssertServerRecoversAsync()
    {
        await WaitUntilAsync(() => _server.Connections == 0);
        await using var client = new RawRpcClient(await ConnectAsync());
        var reply = await client.HandshakeAsync(token: _listener.Token);
        Assert.That(reply.TryGetProperty("result", out _), Is.True, reply.ToString());
        Assert.That(_host.Sessions, Is.EqualTo(1), "a greeted connection counts as activity");
        var list = await client.CallAsync(Methods.JobList, "{}");
        Assert.That(list.TryGetProperty("result", out _), Is.True, list.ToString());
    }

    private static async Task AssertClosedAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset by the server: closed as well.
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server kept the connection open for {Patience.TotalSeconds} s");
        }
    }

    private static async Task WriteIgnoringCloseAsync(Stream stream, byte[] bytes, int times)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            for (var i = 0; i < times; i++)
            {
                await stream.WriteAsync(bytes, timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The server closed the connection (or stopped reading) part-way: what the tests expect.
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
