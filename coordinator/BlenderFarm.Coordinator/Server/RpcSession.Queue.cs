using BlenderFarm.Application.Jobs;
using BlenderFarm.Application.Queue;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Protocol;
using StreamJsonRpc;

namespace BlenderFarm.Coordinator.Server;

/// <summary>The farm's queue over RPC: each method calls one <see cref="JobQueue"/> method and translates its result.</summary>
internal sealed partial class RpcSession
{
    public async Task<QueueEntryInfo> QueueSubmitAsync(QueueSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        if (!Path.IsPathFullyQualified(request.BlendFile))
        {
            throw Refuse(Methods.QueueSubmit, RpcErrorCode.InvalidJob, $"The blend file {request.BlendFile} must be an absolute path.");
        }

        ChunkPolicy chunk;
        try
        {
            chunk = string.IsNullOrWhiteSpace(request.Chunk) ? ChunkPolicy.Auto : ChunkPolicy.Parse(request.Chunk);
        }
        catch (ArgumentException e)
        {
            throw Refuse(Methods.QueueSubmit, RpcErrorCode.InvalidJob, e.Message);
        }

        var submit = new SubmitJob(request.BlendFile, request.Frames, request.OutputFolder, host.Pool, chunk, request.BlenderPath, request.AllowMissing,
            request.JobId ?? Domain.Journal.JobStore.NewJobId(host.Time));
        try
        {
            var entry = await host.Queue.SubmitAsync(submit, request.Priority, request.Paused, cancellationToken).ConfigureAwait(false);
            _watched[entry.JobId] = 0;
            return ToProtocol(entry);
        }
        catch (Exception e) when (e is not LocalRpcException)
        {
            throw Refuse(Methods.QueueSubmit, CodeFor(e), e.Message);
        }
    }

    public Task<QueueListReply> QueueListAsync(QueueListRequest request, CancellationToken cancellationToken)
    {
        EnsureGreeted();
        return Task.FromResult(ToProtocol(host.Queue.List()));
    }

    public Task<QueueEntryInfo> QueuePriorityAsync(QueuePriorityRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        return Task.FromResult(ToProtocol(Call(Methods.QueuePriority, () => host.Queue.SetPriority(request.JobId, request.Priority))));
    }

    public Task<QueueListReply> QueuePauseAsync(QueueJobsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        Call(Methods.QueuePause, () => host.Queue.Pause(request.JobIds));
        return Task.FromResult(ToProtocol(host.Queue.List()));
    }

    public Task<QueueListReply> QueueResumeAsync(QueueJobsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        EnsureGreeted();
        Call(Methods.QueueResume, () => host.Queue.Resume(request.JobIds));
        foreach (var jobId in request.JobIds)
        {
            _watched[jobId] = 0;
        }

        return Task.FromResult(ToProtocol(host.Queue.List()));
    }

    private T Call<T>(string method, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not LocalRpcException)
        {
            throw Refuse(method, CodeFor(e), e.Message);
        }
    }

    private QueueListReply ToProtocol(IReadOnlyList<QueueEntry> entries) =>
        new() { Jobs = [.. entries.Select(ToProtocol)], Slots = host.Queue.Slots };

    private QueueEntryInfo ToProtocol(QueueEntry entry) => new()
    {
        JobId = entry.JobId,
        Priority = entry.Priority,
        Place = entry.Place.ToString().ToLowerInvariant(),
        Slots = entry.Slots,
        Reason = entry.Reason,
        Status = host.Describe(entry.JobId),
    };
}
