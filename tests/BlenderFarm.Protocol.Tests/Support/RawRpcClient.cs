using System.Text;
using System.Text.Json;

namespace BlenderFarm.Protocol.Tests.Support;

/// <summary>
/// A client that writes and reads the raw bytes, as the Python add-on does: Content-Length headers and JSON bodies.
/// Lets tests check the exact wire format.
/// </summary>
internal sealed class RawRpcClient(Stream stream) : IAsyncDisposable
{
    private readonly List<JsonElement> _notifications = [];
    private int _nextId;

    public IReadOnlyList<JsonElement> Notifications => _notifications;

    public string? LastHeader { get; private set; }

    public async Task SendAsync(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
        await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    /// <summary>Sends a request with params as given (an object literal) and returns the whole reply message.</summary>
    public async Task<JsonElement> CallAsync(string method, string paramsJson = "{}")
    {
        var id = ++_nextId;
        await SendAsync($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{paramsJson}}}""");
        while (true)
        {
            var message = await ReadAsync();
            if (message.TryGetProperty("id", out var replyId) && replyId.ValueKind == JsonValueKind.Number && replyId.GetInt32() == id)
            {
                return message;
            }

            _notifications.Add(message);
        }
    }

    public Task<JsonElement> HandshakeAsync(int version = ProtocolInfo.Version, string? token = null) =>
        CallAsync(Methods.Handshake, JsonSerializer.Serialize(new { protocolVersion = version, client = "tests", token }));

    public async Task<JsonElement> ReadAsync()
    {
        var header = new StringBuilder();
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            var one = new byte[1];
            if (await stream.ReadAsync(one) == 0)
            {
                throw new EndOfStreamException("The server closed the stream.");
            }

            header.Append((char)one[0]);
        }

        LastHeader = header.ToString();
        var length = int.Parse(LastHeader.Split("\r\n").First(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}
