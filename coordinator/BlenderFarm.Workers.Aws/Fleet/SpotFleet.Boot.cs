using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.HostKeys;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>One instance's way into the job: running, host key checked, Blender ready, job synced, slots handed over, watched.</summary>
public sealed partial class SpotFleet
{
    private void Track(FleetInstance instance, bool reattached)
    {
        lock (_instances)
        {
            _instances.Add(instance);
            _background.Add(Task.Run(() => BootAndWatchAsync(instance, reattached)));
        }
    }

    private async Task BootAndWatchAsync(FleetInstance instance, bool reattached)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(instance.Withdrawn, _stopping.Token);
        var token = stop.Token;
        try
        {
            var address = await WaitRunningAsync(instance, token).ConfigureAwait(false);
            instance.Address = address;
            var host = new HostSpec(Options.SshUser, address, Options.SshPort, _farm.Key.PrivateKeyPath, null, Options.BlenderPath, null, null);
            if (!reattached || _hostKeys.KnownKeyTypes(host.KnownHostsName).Count == 0)
            {
                await TrustHostKeyAsync(instance, host, token).ConfigureAwait(false);
            }

            var blender = await UntilReachableAsync(instance, () => InstanceBootstrap.PrepareAsync(host, _hostKeys, Options, () => instance.Step = BootStep.InstallingBlender, token), token).ConfigureAwait(false);
            host = host with { BlenderPath = blender };
            if (_setup.Store is { } store)
            {
                instance.Step = BootStep.FetchingFiles;
                await UntilReachableAsync(instance, () => InstanceFiles.FetchAsync(host, _hostKeys, store, _setup.Files, token), token).ConfigureAwait(false);
            }

            instance.Step = BootStep.Syncing;
            var prepared = await SshWorkerHost.PrepareAsync(host, _hostOptions, _setup.Files, token).ConfigureAwait(false);
            CheckBlender(instance, prepared.Facts.BlenderVersion);
            var slots = prepared.CreateSlots(_hostOptions)
                .Select(s => new InstanceSlot(s, instance, _setup.Time, _setup.Store is { } frames ? new FrameReturn(frames, host, _hostKeys) : null)).ToList();
            instance.BecameReady(slots);
            Log.Joined(_setup.Logger, instance.Id, address, slots.Count, (_setup.Time.GetUtcNow() - instance.Launch.LaunchedAt).TotalSeconds);
            if (!prepared.UsesGpus)
            {
                Log.Warning(_setup.Logger, $"instance {instance.Id} ({instance.Launch.InstanceType}) shows no NVIDIA GPU: rendering on its CPU");
            }

            foreach (var slot in slots)
            {
                _slots.Writer.TryWrite(slot);
            }

            var notice = await InterruptionWatcher.WaitForNoticeAsync(host, _hostKeys, Options.InterruptionPoll, token).ConfigureAwait(false);
            if (notice is not null)
            {
                instance.MarkInterrupted();
            }

            await TerminateAsync([instance], notice is null ? "it stopped answering SSH" : $"spot interruption notice {notice}").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Withdrawn or the fleet is stopping: whoever did that terminates it.
        }
        catch (BlenderChecksumException e)
        {
            // Every instance would download the same file and fail the same way: launching more only costs money.
            Stop($"instance {instance.Id}: {e.Message.TrimEnd('.')}", budget: false);
            await TerminateAsync([instance], "Blender's download did not verify").ConfigureAwait(false);
        }
        catch (BlenderTooOldException e)
        {
            // The same image or download on every instance: launching more only costs money.
            Stop(e.Message.TrimEnd('.'), budget: false);
            await TerminateAsync([instance], "its Blender cannot read the job's file").ConfigureAwait(false);
        }
        catch (InstanceRefusedException e)
        {
            Log.Warning(_setup.Logger, e.Message);
            if (Interlocked.Increment(ref _refused) >= RefusedInstancesBeforeGivingUp)
            {
                Stop($"{_refused} instances were refused because their host keys could not be verified", budget: false);
            }

            await TerminateAsync([instance], "its host key could not be verified").ConfigureAwait(false);
        }
        catch (JobFilesUnavailableException e)
        {
            Stop(e.Message, budget: false); // every instance would fail the same way
            await TerminateAsync([instance], "it could not fetch the job's files").ConfigureAwait(false);
        }
#pragma warning disable CA1031 // an instance must never be left running unused: whatever went wrong, it is terminated and said why
        catch (Exception e)
#pragma warning restore CA1031
        {
            var expected = e is SshFailure or UserFacingException or InstanceUnreachableException or TimeoutException;
            await TerminateAsync([instance], $"it could not join the job{(expected ? "" : $" ({e.GetType().Name})")}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>The instance's Blender against the release that saved the file, by the rules of this computer and SSH hosts.</summary>
    private void CheckBlender(FleetInstance instance, string version)
    {
        if (_setup.SavedBy is not { } saved)
        {
            return;
        }

        var (verdict, sentence) = BlenderCompatibility.Judge(_setup.BlendFileName, saved, $"instance {instance.Id}", version);
        switch (verdict)
        {
            case BlendCompatibility.Refuse:
                throw new BlenderTooOldException(sentence);
            case BlendCompatibility.Warn:
                Log.Warning(_setup.Logger, sentence);
                break;
            case BlendCompatibility.Reads:
                break;
        }
    }

    /// <summary>
    /// Pins the instance's host key: the one handed to it through cloud-init as soon as sshd shows it, else (an image
    /// without cloud-init, or console mode) the one whose fingerprint its console output lists.
    /// </summary>
    private async Task TrustHostKeyAsync(FleetInstance instance, HostSpec host, CancellationToken token)
    {
        if (instance.Launch.HostKeyLine is { } handed)
        {
            if (await UntilReachableAsync(instance, () => InstanceHostKey.PinHandedKeyAsync(host, handed, _hostKeys, token), token).ConfigureAwait(false))
            {
                return;
            }

            Log.Info(_setup.Logger, $"instance {instance.Id} does not use the host key handed to it through cloud-init (an image without cloud-init?): checking its key against its console output instead");
        }

        var fingerprints = await InstanceHostKey.WaitForFingerprintsAsync(_setup.Ec2, instance.Id, Options.ConsoleOutputTimeout, ConsolePoll, _setup.Time, token).ConfigureAwait(false);
        await UntilReachableAsync(instance, () => InstanceHostKey.PinAsync(host, instance.Id, fingerprints, _hostKeys, token), token).ConfigureAwait(false);
    }

    /// <summary>How long a leaving instance may finish bringing over frames it already rendered.</summary>
    private static readonly TimeSpan FetchGrace = TimeSpan.FromSeconds(60);

    private TimeSpan ConsolePoll => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, Options.Tick.Ticks));

    /// <summary>Waits for the instance to run and have a public address; fails when EC2 ends it first or it takes too long.</summary>
    private async Task<string> WaitRunningAsync(FleetInstance instance, CancellationToken cancellationToken)
    {
        var deadline = instance.Launch.LaunchedAt + Options.BootTimeout;
        while (true)
        {
            var found = (await FarmInventory.InstancesAsync(_setup.Ec2, cancellationToken, [instance.Id]).ConfigureAwait(false)).FirstOrDefault();
            if (found is null && _setup.Time.GetUtcNow() < deadline)
            {
                // EC2 is eventually consistent: a new instance may be missing from Describe* for a few seconds.
                await Task.Delay(ConsolePoll, _setup.Time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (found is { State: "running", PublicAddress: { } address })
            {
                return address;
            }

            if (found is null || found.State is "shutting-down" or "terminated" or "stopping" or "stopped")
            {
                throw new InstanceUnreachableException($"EC2 ended instance {instance.Id} while it was starting ({found?.State ?? "not listed"}).");
            }

            if (_setup.Time.GetUtcNow() >= deadline)
            {
                throw new InstanceUnreachableException($"Instance {instance.Id} did not start with a public address within {Options.BootTimeout.TotalMinutes:0.#} minutes.");
            }

            await Task.Delay(ConsolePoll, _setup.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SSH comes up a little after EC2 says "running": retry until the boot timeout.</summary>
    private async Task<T> UntilReachableAsync<T>(FleetInstance instance, Func<Task<T>> step, CancellationToken cancellationToken)
    {
        var deadline = instance.Launch.LaunchedAt + Options.BootTimeout;
        while (true)
        {
            try
            {
                return await step().ConfigureAwait(false);
            }
            catch (Exception e) when (_setup.Time.GetUtcNow() < deadline
                                      && (e is InstanceUnreachableException || (e is SshFailure && e.Message.Contains("cannot be reached", StringComparison.Ordinal))))
            {
                await Task.Delay(ConsolePoll, _setup.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private Task UntilReachableAsync(FleetInstance instance, Func<Task> step, CancellationToken cancellationToken) =>
        UntilReachableAsync(instance, async () =>
        {
            await step().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Withdraws the instances (their frames go back to the queue), terminates them and journals their final cost.</summary>
    private async Task TerminateAsync(IReadOnlyList<FleetInstance> instances, string reason)
    {
        var ending = instances.Where(i => i.ClaimTermination()).ToList();
        if (ending.Count == 0)
        {
            return;
        }

        foreach (var instance in ending.Where(i => i.Withdraw(reason)))
        {
            Log.Leaving(_setup.Logger, instance.Id, reason);
        }

        // A frame already rendered is still coming over: let it arrive (a spot notice leaves two minutes) before
        // the machine goes, or that finished frame would be lost and rendered again.
        var deadline = _setup.Time.GetUtcNow() + FetchGrace;
        while (ending.Any(i => i.Slots.Any(s => s.IsFetching)) && _setup.Time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), _setup.Time).ConfigureAwait(false);
        }

        try
        {
            await FarmInventory.TerminateAsync(_setup.Ec2, [.. ending.Select(i => i.Id)], CancellationToken.None).ConfigureAwait(false);
        }
        catch (UserFacingException e)
        {
            Log.Warning(_setup.Logger, $"{e.Message} Run 'blenderfarm teardown' to make sure nothing is left running.");
            ending.ForEach(i => i.ReleaseTermination());
            return;
        }

        var now = _setup.Time.GetUtcNow();
        foreach (var instance in ending)
        {
            instance.Terminated(now);
            RecordCost(instance, now);
            Log.Terminated(_setup.Logger, instance.Id, (now - instance.Launch.LaunchedAt).TotalSeconds, instance.CostUntil(now));
        }
    }
}
