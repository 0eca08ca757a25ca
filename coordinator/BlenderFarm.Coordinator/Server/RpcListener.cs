using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// The local channel the add-on connects to, usable only by this OS user: a Unix domain socket (mode 0600 in a
/// 0700 folder) on Linux and macOS; loopback TCP with a random token in the 0600 endpoint file on Windows (Python's
/// socket module has no AF_UNIX there, and the file lives in the user's own profile folder).
/// </summary>
internal abstract class RpcListener : IAsyncDisposable
{
    public abstract EndpointInfo Endpoint { get; }

    public string? Token => Endpoint.Token;

    public abstract Task<Stream> AcceptAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public static RpcListener Open(string transport, string runFolder, string serverVersion) => transport switch
    {
        EndpointInfo.Unix => UnixListener.Open(runFolder, serverVersion),
        EndpointInfo.Tcp => TcpLoopbackListener.Open(serverVersion),
        _ => throw new Cli.UsageException($"--transport takes unix or tcp, not '{transport}'."),
    };

    private sealed class UnixListener(Socket socket, EndpointInfo endpoint) : RpcListener
    {
        public override EndpointInfo Endpoint => endpoint;

        public static UnixListener Open(string runFolder, string serverVersion)
        {
            var path = SocketPath(runFolder);
            File.Delete(path); // A stale socket of a server that died; the serve lock proves nobody uses it.
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint(path));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                socket.Listen(16);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return new UnixListener(socket, new EndpointInfo
            {
                Transport = EndpointInfo.Unix,
                Path = path,
                ProcessId = Environment.ProcessId,
                ProtocolVersion = ProtocolInfo.Version,
                ServerVersion = serverVersion,
            });
        }

        public override async Task<Stream> AcceptAsync(CancellationToken cancellationToken) =>
            new NetworkStream(await socket.AcceptAsync(cancellationToken).ConfigureAwait(false), ownsSocket: true);

        public override ValueTask DisposeAsync()
        {
            socket.Dispose();
            File.Delete(Endpoint.Path!);
            return ValueTask.CompletedTask;
        }

        /// <summary>
        /// Socket paths are limited to about 104 bytes; a deep BLENDERFARM_HOME gets a private folder in the temp
        /// folder instead (the endpoint file says where).
        /// </summary>
        private static string SocketPath(string runFolder)
        {
            var path = Path.Combine(runFolder, "rpc.sock");
            if (path.Length <= 100)
            {
                return path;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(runFolder)))[..12];
            var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            var folder = !string.IsNullOrEmpty(runtime) && Path.IsPathFullyQualified(runtime) && Directory.Exists(runtime)
                ? Path.Combine(runtime, $"blenderfarm-{hash}")
                : Path.Combine(Path.GetTempPath(), $"blenderfarm-{Environment.UserName}-{hash}");
            EnsureOwnFolder(folder);
            return Path.Combine(folder, "rpc.sock");
        }

        /// <summary>
        /// The temp folder is shared: another user may have made the folder first, as a symlink or with their own
        /// files. It must not be a link, must be ours (only the owner may change its mode, which we set to 0700) and
        /// must end up 0700; otherwise the server refuses to start.
        /// </summary>
        private static void EnsureOwnFolder(string folder)
        {
            var refuse = new Blender.UserFacingException($"The socket folder {folder} is not a private folder of this user (a link, or another user's): remove it or set XDG_RUNTIME_DIR to a private folder.");
            if (new DirectoryInfo(folder).LinkTarget is not null)
            {
                throw refuse; // Checked before anything follows the link.
            }

            ServeFiles.CreatePrivateFolder(folder);
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            try
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (UnauthorizedAccessException)
            {
                throw refuse;
            }

            if (new DirectoryInfo(folder).LinkTarget is not null || File.GetUnixFileMode(folder) != (UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute))
            {
                throw refuse;
            }
        }
    }

    private sealed class TcpLoopbackListener(TcpListener listener, EndpointInfo endpoint) : RpcListener
    {
        public override EndpointInfo Endpoint => endpoint;

        public static TcpLoopbackListener Open(string serverVersion)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            return new TcpLoopbackListener(listener, new EndpointInfo
            {
                Transport = EndpointInfo.Tcp,
                Host = IPAddress.Loopback.ToString(),
                Port = port,
                Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ProcessId = Environment.ProcessId,
                ProtocolVersion = ProtocolInfo.Version,
                ServerVersion = serverVersion,
            });
        }

        public override async Task<Stream> AcceptAsync(CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            client.NoDelay = true;
            return client.GetStream();
        }

        public override ValueTask DisposeAsync()
        {
            listener.Dispose();
            return ValueTask.CompletedTask;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Endpoint.Port}");
    }
}
