using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Server;

/// <summary><c>blenderfarm serve</c> as a real process: private files, one per user, clean exits.</summary>
[NonParallelizable]
public sealed class ServeVerbTests
{
    [Test]
    public async Task Serve_listens_on_a_private_unix_socket_and_answers_a_handshake()
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Unix sockets are the Linux and macOS transport");
        var home = Repo.NewTempFolder("serve");
        using var server = Start(home, "--idle-exit", "60");
        try
        {
            var endpoint = await WaitForEndpointAsync(home);
            var socketPath = endpoint.GetProperty("path").GetString()!;
            Assert.Multiple(() =>
            {
                Assert.That(endpoint.GetProperty("transport").GetString(), Is.EqualTo("unix"));
                Assert.That(File.GetUnixFileMode(Path.Combine(home, "run", "endpoint.json")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(File.GetUnixFileMode(socketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
                Assert.That(File.GetUnixFileMode(Path.Combine(home, "run")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            });

            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            await using var client = new RawRpcClient(new NetworkStream(socket, ownsSocket: false));
            var reply = await client.HandshakeAsync();
            Assert.That(reply.GetProperty("result").GetProperty("processId").GetInt32(), Is.EqualTo(server.Id));

            var second = await Repo.RunAsync("dotnet", [Repo.Cli, "serve"], new Dictionary<string, string> { ["BLENDERFARM_HOME"] = home }, 60);
            Assert.That(second.Code, Is.EqualTo(5), second.Output);
            Assert.That(second.Output, Does.Contain("already running"));
        }
        finally
        {
            Signal(server);
        }

        Assert.That(server.WaitForExit(20_000), Is.True, "SIGTERM stops the server");
        Assert.That(server.ExitCode, Is.Zero);
        Assert.That(File.Exists(Path.Combine(home, "run", "endpoint.json")), Is.False, "the endpoint file goes with the server");
        Assert.That(server.StandardOutput.ReadToEnd(), Is.Empty, "nothing on stdout");
        Directory.Delete(home, recursive: true);
    }

    [Test]
    public async Task Serve_over_loopback_tcp_writes_a_token_and_exits_when_idle()
    {
        var home = Repo.NewTempFolder("serve-tcp");
        // The idle limit runs on the server's real clock: long enough that a loaded machine still connects in time.
        using var server = Start(home, "--transport", "tcp", "--idle-exit", "10");
        var endpoint = await WaitForEndpointAsync(home);
        Assert.That(endpoint.GetProperty("host").GetString(), Is.EqualTo("127.0.0.1"));
        Assert.That(endpoint.GetProperty("token").GetString(), Has.Length.EqualTo(64));
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", endpoint.GetProperty("port").GetInt32());
            await using var client = new RawRpcClient(tcp.GetStream());
            Assert.That((await client.HandshakeAsync()).GetProperty("error").GetProperty("code").GetInt32(), Is.EqualTo(1003));
            Assert.That((await client.HandshakeAsync(token: endpoint.GetProperty("token").GetString())).TryGetProperty("result", out _), Is.True);
        }

        Assert.That(server.WaitForExit(90_000), Is.True, "an idle server with no connection exits by itself");
        Assert.That(server.ExitCode, Is.Zero);
        Directory.Delete(home, recursive: true);
    }

    [Test]
    public async Task A_long_path_socket_folder_that_is_a_link_is_refused_with_one_sentence()
    {
        Assume.That(OperatingSystem.IsWindows(), Is.False, "Unix sockets are the Linux and macOS transport");
        var temp = Repo.NewTempFolder("serve-tmp");
        var home = Path.Combine(Repo.NewTempFolder("serve-deep"), new string('d', 100));
        var elsewhere = Directory.CreateDirectory(Path.Combine(temp, "someone-elses")).FullName;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.Combine(home, "run"))))[..12];
        var planted = Path.Combine(temp, $"blenderfarm-{Environment.UserName}-{hash}");
        Directory.CreateSymbolicLink(planted, elsewhere);

        var result = await Repo.RunAsync("dotnet", [Repo.Cli, "serve", "--idle-exit", "1"],
            new Dictionary<string, string> { ["BLENDERFARM_HOME"] = home, ["TMPDIR"] = temp, ["XDG_RUNTIME_DIR"] = "" }, 60);

        Assert.That(result.Code, Is.EqualTo(2), result.Output);
        Assert.That(result.Output, Does.Contain($"The socket folder {planted} is not a private folder of this user"));
        Assert.That(result.Output.Trim().Split('\n'), Has.Length.EqualTo(1), "one sentence, no stack trace");
        Assert.That(Directory.GetFileSystemEntries(elsewhere), Is.Empty, "no socket was made in the other folder");
        Directory.Delete(temp, recursive: true);
    }

    private static Process Start(string home, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        start.ArgumentList.Add(Repo.Cli);
        start.ArgumentList.Add("serve");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BLENDERFARM_HOME"] = home;
        return Process.Start(start)!;
    }

    private static async Task<JsonElement> WaitForEndpointAsync(string home)
    {
        var path = Path.Combine(home, "run", "endpoint.json");
        for (var i = 0; i < 200; i++)
        {
            if (File.Exists(path))
            {
                try
                {
                    return JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.Clone();
                }
                catch (IOException)
                {
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"blenderfarm serve wrote no {path} within 20 s");
        return default;
    }

    private static void Signal(Process process)
    {
        if (!process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }
}
