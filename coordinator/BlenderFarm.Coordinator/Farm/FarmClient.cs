using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BlenderFarm.Blender;
using BlenderFarm.Coordinator.Server;
using BlenderFarm.Protocol;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.Farm;

/// <summary>
/// The queue verbs' connection to the running farm (<c>blenderfarm serve</c>): the same protocol and service methods
/// the add-on uses. The server's refusals become <see cref="UserFacingException"/>s with its sentence.
/// </summary>
internal sealed class FarmClient : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private readonly JsonRpc _rpc;

    private FarmClient(JsonRpc rpc) => _rpc = rpc;

    /// <summary>The running farm of this user, or null when none answers (none started, or its endpoint is stale).</summary>
    public static async Task<FarmClient?> TryConnectAsync(string home, CancellationToken cancellationToken)
    {
        if (ServeFiles.ReadEndpoint(home) is not { } endpoint)
        {
            return null;
        }

        Stream stream;
        try
        {
            stream = await OpenAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            return null;
        }

        var rpc = RpcConnection.Create(stream);
        rpc.StartListening();
        var client = new FarmClient(rpc);
        await client.CallAsync<HandshakeReply>(Methods.Handshake, new HandshakeRequest
        {
            ProtocolVersion = ProtocolInfo.Version,
            Client = "blenderfarm-cli",
            ClientVersion = ServeCommand.ServerVersion(),
            Token = endpoint.Token,
        }, cancellationToken).ConfigureAwait(false);
        return client;
    }

    /// <summary>The running farm, starting one (<c>blenderfarm serve</c> in the background) when none runs.</summary>
    public static async Task<FarmClient> ConnectOrStartAsync(string home, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await TryConnectAsync(home, cancellationToken).ConfigureAwait(false) is { } running)
        {
            return running;
        }

        StartServer(home);
        var deadline = time.GetUtcNow() + StartPatience;
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            if (await TryConnectAsync(home, cancellationToken).ConfigureAwait(false) is { } started)
            {
                return started;
            }
        }

        throw new UserFacingException($"The farm did not start within {StartPatience.TotalSeconds:0} s: see {ServeLog(home)}.");
    }

    /// <summary>Calls a method; the server's refusal is thrown as its one sentence.</summary>
    public async Task<T> CallAsync<T>(string method, object request, CancellationToken cancellationToken)
    {
        try
        {
            return await _rpc.InvokeWithParameterObjectAsync<T>(method, request, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteInvocationException e)
        {
            throw new UserFacingException(e.Message, e);
        }
        catch (ConnectionLostException e)
        {
            throw new UserFacingException("The farm closed the connection (did it stop?).", e);
        }
    }

    public ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Connects to a local endpoint (the farm's, or a one-shot run's).</summary>
    internal static async Task<Stream> OpenAsync(EndpointInfo endpoint, CancellationToken cancellationToken)
    {
        var socket = endpoint.Transport == EndpointInfo.Unix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            EndPoint target = endpoint.Transport == EndpointInfo.Unix
                ? new UnixDomainSocketEndPoint(endpoint.Path ?? "")
                : new IPEndPoint(IPAddress.Loopback, endpoint.Port ?? 0);
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string ServeLog(string home) => Path.Combine(ServeFiles.RunFolder(home), "serve.log");

    /// <summary>Starts <c>blenderfarm serve</c> detached from this process, its output in run/serve.log.</summary>
    private static void StartServer(string home)
    {
        ServeFiles.CreatePrivateFolder(ServeFiles.RunFolder(home));
        var self = Environment.ProcessPath ?? throw new UserFacingException("Cannot find the blenderfarm program to start the farm: run 'blenderfarm serve' yourself.");
        var command = new List<string> { self };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            command.Add(Environment.GetCommandLineArgs()[0]); // blenderfarm.dll
        }

        command.Add("serve");
        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo(command[0]) { UseShellExecute = true, WindowStyle = ProcessWindowStyle.Hidden };
            foreach (var argument in command.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            // The shell puts the server in the background with its own output file, so this process's pipes close when it exits.
            start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("log=\"$1\"; shift; \"$@\" </dev/null >>\"$log\" 2>&1 &");
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add(ServeLog(home));
            foreach (var argument in command)
            {
                start.ArgumentList.Add(argument);
            }
        }

        using var process = Process.Start(start);
    }
}
