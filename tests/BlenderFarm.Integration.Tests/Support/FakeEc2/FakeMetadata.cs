using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>
/// The instance metadata service (IMDSv2), one listener for all instances, each under <c>/{instanceId}/</c>: a session
/// token from <c>PUT latest/api/token</c>, and the spot interruption notice at <c>latest/meta-data/spot/instance-action</c>.
/// </summary>
internal sealed class FakeMetadata : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, DateTime?> _interruptionOf;
    private readonly ConcurrentDictionary<string, (string Instance, DateTime Expires)> _tokens = new(StringComparer.Ordinal);
    private int _tokenless;

    /// <param name="interruptionOf">For an instance id: its interruption time, null while not interrupted; throws KeyNotFoundException for an unknown id.</param>
    public FakeMetadata(Func<string, DateTime?> interruptionOf)
    {
        _interruptionOf = interruptionOf;
        Port = SshHosts.Host.FreePort("127.0.0.1");
        _listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Requests for metadata that came without a valid token (IMDSv1 style), refused with 401.</summary>
    public int TokenlessRequests => Volatile.Read(ref _tokenless);

    public string UrlFor(string instanceId) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/{instanceId}");

    public void Dispose() => _listener.Close();

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

            try
            {
                var (status, body) = Handle(context.Request);
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = (int)status;
                context.Response.ContentType = "text/plain";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
                // the client went away
            }
        }
    }

    private (HttpStatusCode Status, string Body) Handle(HttpListenerRequest request)
    {
        var parts = (request.Url?.AbsolutePath ?? "/").Trim('/').Split('/', 2);
        var instance = parts[0];
        var path = parts.Length > 1 ? parts[1] : "";
        DateTime? interruption;
        try
        {
            interruption = _interruptionOf(instance);
        }
        catch (KeyNotFoundException)
        {
            return (HttpStatusCode.NotFound, "no such instance");
        }

        if (path == "latest/api/token")
        {
            if (request.HttpMethod != "PUT")
            {
                return (HttpStatusCode.MethodNotAllowed, "");
            }

            var ttlText = request.Headers["X-aws-ec2-metadata-token-ttl-seconds"];
            if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl < 1 || ttl > 21600)
            {
                return (HttpStatusCode.BadRequest, "");
            }

            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
            _tokens[token] = (instance, DateTime.UtcNow.AddSeconds(ttl));
            return (HttpStatusCode.OK, token);
        }

        var given = request.Headers["X-aws-ec2-metadata-token"];
        if (given is null || !_tokens.TryGetValue(given, out var known) || known.Instance != instance || known.Expires < DateTime.UtcNow)
        {
            Interlocked.Increment(ref _tokenless);
            return (HttpStatusCode.Unauthorized, "");
        }

        return path switch
        {
            "latest/meta-data/spot/instance-action" when interruption is { } time =>
                (HttpStatusCode.OK, $$"""{"action":"terminate","time":"{{time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}"""),
            "latest/meta-data/instance-id" => (HttpStatusCode.OK, instance),
            _ => (HttpStatusCode.NotFound, ""),
        };
    }
}
