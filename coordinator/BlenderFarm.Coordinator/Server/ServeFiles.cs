using System.Text.Json;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// The server's files in <c>BLENDERFARM_HOME/run/</c> (a 0700 folder): <c>serve.lock</c>, held while a server runs so
/// there is one per user; <c>endpoint.json</c> (0600), where clients find it; and <c>rpc.sock</c>.
/// </summary>
internal static class ServeFiles
{
    public const string EndpointFileName = "endpoint.json";

    public static string RunFolder(string home) => Path.Combine(home, "run");

    public static string EndpointPath(string home) => Path.Combine(RunFolder(home), EndpointFileName);

    public static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            WindowsOwnerOnly.Folder(folder); // BLENDERFARM_HOME may be D:\farm, readable by every user.
            return;
        }

        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Takes the one-server-per-user lock, or returns null when another server holds it.</summary>
    public static FileStream? TryLock(string home)
    {
        try
        {
            return new FileStream(Path.Combine(RunFolder(home), "serve.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the endpoint file atomically, readable by the user only (it may hold the TCP token): mode 0600, or on
    /// Windows an explicit owner-only ACL from the first byte (a rename keeps it).
    /// </summary>
    public static void WriteEndpoint(string home, EndpointInfo endpoint) => WriteEndpointFile(EndpointPath(home), endpoint);

    /// <summary>Writes an endpoint file at <paramref name="path"/> the way <see cref="WriteEndpoint"/> does (a run's, in its job folder).</summary>
    public static void WriteEndpointFile(string path, EndpointInfo endpoint)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = OperatingSystem.IsWindows() ? WindowsOwnerOnly.CreateFile(temporary) : new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, endpoint, RpcConnection.JsonOptions);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static EndpointInfo? ReadEndpoint(string home) => ReadEndpointFile(EndpointPath(home));

    public static EndpointInfo? ReadEndpointFile(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<EndpointInfo>(File.ReadAllText(path), RpcConnection.JsonOptions);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Removes the endpoint file if it is still this process's.</summary>
    public static void RemoveEndpoint(string home)
    {
        if (ReadEndpoint(home) is { } endpoint && endpoint.ProcessId == Environment.ProcessId)
        {
            File.Delete(EndpointPath(home));
        }
    }
}
