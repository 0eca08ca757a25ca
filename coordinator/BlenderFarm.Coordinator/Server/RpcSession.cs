using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BlenderFarm.Application.Jobs;
using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using JobPhase = BlenderFarm.Protocol.JobPhase;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// One client connection: the server side of <see cref="IBlenderFarmService"/>. Refuses everything before a
/// handshake with the same protocol version (and, on loopback TCP, the endpoint file's token).
/// </summary>
internal sealed partial class RpcSession(JobHost host, ServerIdentity identity, ILogger logger) : IBlenderFarmService
{
    private readonly ConcurrentDictionary<string, byte> _watched = new(StringComparer.Ordinal);
    private JsonRpc? _rpc;
    private volatile bool _greeted;

    /// <summary>Whether a handshake succeeded on this connection; only then does it count for the host.</summary>
    public bool Greeted => _greeted;

    public void Bind(JsonRpc rpc) => _rpc = rpc;

    /// <summary>Forwards a job's notification if this connection watches the job. Fire and forget.</summary>
    public void Notify(string jobId, string method, object payload)
    {
        if (_rpc is { IsDisposed: false } rpc && _greeted && _watched.ContainsKey(jobId))
        {
            _ = rpc.NotifyWithParameterObjectAsync(method, payload).ContinueWith(
                static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    public Task<HandshakeReply> HandshakeAsync(HandshakeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ProtocolVersion != ProtocolInfo.Version)
        {
            var why = $"This add-on speaks BlenderFarm protocol {request.ProtocolVersion} but the coordinator ({identity.ServerVersion}) speaks {ProtocolInfo.Version}: install the add-on and coordinator from the same BlenderFarm zip.";
            ServerLog.HandshakeRefused(logger, why);
            throw RpcErrors.Create(RpcErrorCode.VersionMismatch, why, new VersionMismatchData(ProtocolInfo.Version, request.ProtocolVersion));
        }

        if (identity.Token is { } token && !TokensEqual(token, request.Token))
        {
            ServerLog.HandshakeRefused(logger, "bad token");
            throw RpcErrors.Create(RpcErrorCode.BadToken, "The connection's token does not match this coordinator's endpoint file.");
        }

        _greeted = true;
        host.Attach(this);
        return Task.FromResult(new HandshakeReply
        {
            ProtocolVersion = ProtocolInfo.Version,
            Server = ProtocolInfo.ServerName,
            ServerVersion = identity.ServerVersion,
            ProcessId = Environment.ProcessId,
            WorkerKinds = ["local", "ssh", "aws"],
        });
    }

    public async Task<SubmitReply> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        var blendFile = ResolveBlend(request);
        WorkersSpec workers;
        try
        {
            workers = ProtocolWorkers.ToSpec(request.Workers, host.Store.Root);
        }
        catch (Exception e) when (e is ArgumentException or UsageException)
        {
            throw Refuse(Methods.JobSubmit, RpcErrorCode.WorkersUnavailable, e.Message);
        }

        var jobId = JobStore.NewJobId(host.Time);
        ChunkPolicy chunk;
        try
        {
            chunk = string.IsNullOrWhiteSpace(request.Chunk) ? ChunkPolicy.Auto : ChunkPolicy.Parse(request.Chunk);
        }
        catch (ArgumentException e)
        {
            throw Refuse(Methods.JobSubmit, RpcErrorCode.InvalidJob, e.Message);
        }

        var submit = new SubmitJob(blendFile, request.Frames, request.OutputFolder, workers, chunk, request.BlenderPath, request.AllowMissing, jobId);
        _watched[jobId] = 0;
        try
        {
            await host.SubmitAsync(submit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not LocalRpcException)
        {
            _watched.TryRemove(jobId, out _);
            throw Refuse(Methods.JobSubmit, CodeFor(e), e.Message);
        }
        catch (LocalRpcException)
        {
            _watched.TryRemove(jobId, out _);
            throw;
        }

        return new SubmitReply { JobId = jobId, Status = host.Describe(jobId) };
    }

    public Task<JobStatusInfo> StatusAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        return Task.FromResult(host.Describe(request.JobId));
    }

    public Task<JobListReply> ListAsync(JobListRequest request, CancellationToken cancellationToken)
    {
        EnsureGreeted();
        // An unreadable journal is listed by `blenderfarm jobs`; the add-on skips it.
        var jobs = host.Jobs.List(request?.Limit).Where(j => j.Job is not null).Select(j => JobStatusMapping.ToProtocol(j.Job!)).ToList();
        return Task.FromResult(new JobListReply { Jobs = jobs });
    }

    public async Task<JobStatusInfo> CancelAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        host.Describe(request.JobId); // JobNotFound before anything else
        _watched[request.JobId] = 0;
        var result = await host.Queue.CancelAsync(request.JobId, cancellationToken).ConfigureAwait(false);
        return JobStatusMapping.ToProtocol(result.Job);
    }

    public Task<JobStatusInfo> WatchAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        var status = host.Describe(request.JobId);
        _watched[request.JobId] = 0;
        return Task.FromResult(status);
    }

    public async Task<JobStatusInfo> ResumeAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        var status = host.Describe(request.JobId);
        if (status.Phase is JobPhase.Completed)
        {
            throw Refuse(Methods.JobResume, RpcErrorCode.JobStateConflict, JobMessages.AlreadyComplete(request.JobId));
        }

        _watched[request.JobId] = 0;
        try
        {
            await host.ResumeAsync(request.JobId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not LocalRpcException)
        {
            throw Refuse(Methods.JobResume, CodeFor(e), e.Message);
        }

        return host.Describe(request.JobId);
    }

    private static string ResolveBlend(SubmitRequest request)
    {
        if (!Path.IsPathFullyQualified(request.JobFolder) || !Directory.Exists(request.JobFolder))
        {
            throw RpcErrors.Create(RpcErrorCode.InvalidJob, $"The job folder {request.JobFolder} does not exist (it must be an absolute path).");
        }

        var folder = Path.GetFullPath(request.JobFolder);
        var blend = Path.GetFullPath(Path.Combine(folder, request.BlendFile));
        if (!blend.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw RpcErrors.Create(RpcErrorCode.InvalidJob, $"The blend file {request.BlendFile} must lie inside the job folder {folder}.");
        }

        return blend;
    }

    private static RpcErrorCode CodeFor(Exception e) => e switch
    {
        MissingSceneFilesException => RpcErrorCode.MissingFiles,
        JobBusyException => RpcErrorCode.JobBusy,
        JobConflictException => RpcErrorCode.JobStateConflict,
        UserFacingException or UsageException or FrameSpecException or IOException or UnauthorizedAccessException => RpcErrorCode.InvalidJob,
        KeyNotFoundException => RpcErrorCode.JobNotFound,
        _ => RpcErrorCode.Internal,
    };

    private LocalRpcException Refuse(string method, RpcErrorCode code, string message)
    {
        ServerLog.Refused(logger, method, (int)code, message);
        return RpcErrors.Create(code, message);
    }

    private void EnsureGreeted()
    {
        if (!_greeted)
        {
            throw RpcErrors.Create(RpcErrorCode.HandshakeRequired, "Call 'handshake' first.");
        }
    }

    private static bool TokensEqual(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
}

/// <summary>What a session tells clients about its server, and the token a TCP client must present.</summary>
internal sealed record ServerIdentity(string ServerVersion, string? Token);
