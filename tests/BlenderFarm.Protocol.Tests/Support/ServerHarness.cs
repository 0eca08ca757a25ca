using BlenderFarm.Coordinator.Server;
using BlenderFarm.Domain.Journal;
using Microsoft.Extensions.Logging.Abstractions;
using Nerdbank.Streams;

namespace BlenderFarm.Protocol.Tests.Support;

/// <summary>An RPC server on a temporary job store, reached through an in-memory duplex stream pair.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    public ServerHarness(string? token = null)
    {
        Home = Repo.NewTempFolder("home");
        Store = new JobStore(Home);
        Host = new JobHost(Store, NullLoggerFactory.Instance, TimeProvider.System);
        Server = new RpcServer(Host, new ServerIdentity("0.1.0", token), NullLoggerFactory.Instance);
    }

    public string Home { get; }

    public JobStore Store { get; }

    public JobHost Host { get; }

    public RpcServer Server { get; }

    /// <summary>A new connection: the server answers on one end, the test holds the other.</summary>
    public Stream Connect()
    {
        var (client, server) = FullDuplexStream.CreatePair();
        _ = Server.AcceptAsync(server);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Host.Runs).ContinueWith(_ => { }, TaskScheduler.Default);
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
