using System.Text.Json;
using StreamJsonRpc;

namespace BlenderFarm.Protocol;

/// <summary>
/// Builds a <see cref="JsonRpc"/> on a duplex stream the way both ends of the add-on protocol frame it:
/// Content-Length headers (HeaderDelimitedMessageHandler) around UTF-8 JSON with camelCase names.
/// </summary>
public static class RpcConnection
{
    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    public static SystemTextJsonFormatter CreateFormatter()
    {
        var formatter = new SystemTextJsonFormatter();
        formatter.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        formatter.JsonSerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.CamelCase;
        formatter.JsonSerializerOptions.PropertyNameCaseInsensitive = true;
        return formatter;
    }

    /// <summary>A JsonRpc on the stream, not yet listening: add targets, then call <see cref="JsonRpc.StartListening"/>.</summary>
    public static JsonRpc Create(Stream duplex)
    {
        ArgumentNullException.ThrowIfNull(duplex);
        var handler = new HeaderDelimitedMessageHandler(duplex, duplex, CreateFormatter());
        return new JsonRpc(handler)
        {
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };
    }

    /// <summary>Options for exposing a contract interface: its <c>[JsonRpcMethod]</c> names only.</summary>
    public static JsonRpcTargetOptions TargetOptions { get; } = new()
    {
        AllowNonPublicInvocation = false,
        UseSingleObjectParameterDeserialization = true,
        ClientRequiresNamedArguments = false,
    };

    private static JsonSerializerOptions CreateJsonOptions() => new(JsonSerializerDefaults.Web);
}
