namespace BlenderFarm.Protocol;

/// <summary>
/// The numeric <c>error.code</c> of every error the server returns on purpose. A wire contract: values are explicit
/// and only appended. Clients branch on these, never on the message, which is one sentence meant for the user.
/// JSON-RPC's own codes (-32700 to -32600, -32000) can still arrive for malformed requests.
/// </summary>
public enum RpcErrorCode
{
    /// <summary>The client speaks another protocol version. <c>data</c>: <see cref="VersionMismatchData"/>.</summary>
    VersionMismatch = 1001,

    /// <summary>A method was called before a successful <c>handshake</c>.</summary>
    HandshakeRequired = 1002,

    /// <summary>The handshake's token does not match the endpoint file's (loopback TCP only).</summary>
    BadToken = 1003,

    /// <summary>The job was refused as asked: a bad frame list, no camera, not a .blend, Blender not found, an output folder that cannot be written.</summary>
    InvalidJob = 1010,

    /// <summary>The scene uses files that are missing and <c>allowMissing</c> was false.</summary>
    MissingFiles = 1011,

    /// <summary>The workers kind is unknown or not available in this coordinator (yet).</summary>
    WorkersUnavailable = 1012,

    /// <summary>No job has that id.</summary>
    JobNotFound = 1020,

    /// <summary>Another coordinator process is rendering that job.</summary>
    JobBusy = 1021,

    /// <summary>The job cannot do that in its current state (e.g. resume a completed job).</summary>
    JobStateConflict = 1022,

    /// <summary>An unexpected failure in the coordinator; the message says what, its log says more.</summary>
    Internal = 1099,
}

/// <summary>The <c>data</c> of a <see cref="RpcErrorCode.VersionMismatch"/> error.</summary>
public sealed record VersionMismatchData(int ServerVersion, int ClientVersion);
