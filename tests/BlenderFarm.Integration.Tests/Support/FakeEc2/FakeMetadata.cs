using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>
/// The instance metadata service (IMDSv2), one loopback port for all instances, each under <c>/{instanceId}/</c>: a session
/// token from <c>PUT latest/api/token</c>, and the spot interruption notice at <c>latest/meta-data/spot/instance-action</c>.
/// </summary>
internal sealed class FakeMetadata : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<string, DateTime?> _interruptionOf;
    private readonly ConcurrentDictionary<string, (string Instance, DateTime Expires)> _tokens = new(StringComparer.Ordinal);
    private int _tokenless;

    /// <param name="interruptionOf">For an instance id: its interruption time, null while not interrupted; throws KeyNotFoundException for an unknown id.</param>
    public FakeMetadata(Func<string, DateTime?> interruptionOf)
    {
        _interruptionOf = interruptionOf;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Requests for metadata that came without a valid token (IMDSv1 style), refused with 401.</summary>
    public int TokenlessRequests => Volatile.Read(ref _tokenless);

    public string UrlFor(string instanceId) => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/{instanceId}");

    public void Dispose() => _listener.Stop();

    private async Task ServeAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    /// <summary>
    /// One HTTP/1.1 exchange, then the connection closes. A bare socket rather than HttpListener, which refuses a PUT
    /// without Content-Length (411) — exactly what curl and the AWS SDKs send for the token.
    /// </summary>
    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                var requestLine = (await reader.ReadLineAsync())?.Split(' ');
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                for (var line = await reader.ReadLineAsync(); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync())
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                    }
                }

                var (status, body) = requestLine is { Length: 3 } ? Handle(requestLine[0], requestLine[1], headers) : (HttpStatusCode.BadRequest, "");
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = string.Create(CultureInfo.InvariantCulture,
                    $"HTTP/1.1 {(int)status} {status}\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await stream.WriteAsync(bytes);
            }
            catch (IOException)
            {
                // the client went away
            }
        }
    }

    private (HttpStatusCode Status, string Body) Handle(string method, string target, Dictionary<string, string> headers)
    {
        var parts = target.Split('?')[0].Trim('/').Split('/', 2);
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
            if (method != "PUT")
            {
                return (HttpStatusCode.MethodNotAllowed, "");
            }

            var ttlText = headers.GetValueOrDefault("X-aws-ec2-metadata-token-ttl-seconds");
            if (!int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl < 1 || ttl > 21600)
            {
                return (HttpStatusCode.BadRequest, "");
            }

            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(42));
            _tokens[token] = (instance, DateTime.UtcNow.AddSeconds(ttl));
            return (HttpStatusCode.OK, token);
        }

        var given = headers.GetValueOrDefault("X-aws-ec2-metadata-token");
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
