using System.Net;
using System.Net.Sockets;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Serves a folder's files over HTTP on loopback (a stand-in for download.blender.org); 404 for anything else.</summary>
internal sealed class StaticFileServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _folder;
    private readonly Task _serving;
    private readonly Dictionary<string, Task> _holds = new(StringComparer.Ordinal);

    private StaticFileServer(string folder, int port)
    {
        _folder = folder;
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Paths that were asked for, in order.</summary>
    public List<string> Requests { get; } = [];

    /// <summary>Requests for <paramref name="name"/> wait, without an answer, until the returned source is completed.</summary>
    public TaskCompletionSource Hold(string name)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (Requests)
        {
            _holds[name] = release.Task;
        }

        return release;
    }

    public static StaticFileServer Start(string folder)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new StaticFileServer(folder, port);
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var name = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            Task? held;
            lock (Requests)
            {
                Requests.Add(name);
                held = _holds.GetValueOrDefault(name);
            }

            if (held is not null)
            {
                _ = Task.Run(async () =>
                {
                    await held;
                    await AnswerAsync(context, name);
                });
                continue;
            }

            await AnswerAsync(context, name);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, string name)
    {
        var path = Path.Combine(_folder, name);
        using var response = context.Response;
        if (name.Length == 0 || name.Contains("..", StringComparison.Ordinal) || !File.Exists(path))
        {
            response.StatusCode = 404;
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }
}
