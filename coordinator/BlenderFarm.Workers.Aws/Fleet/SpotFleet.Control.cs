using System.Globalization;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>The fleet's control loop: cost, money limit, idle instances, and enough capacity for the frames left.</summary>
public sealed partial class SpotFleet
{
    /// <summary>Cost is journaled this often for running instances (and at once when one terminates).</summary>
    private static readonly TimeSpan CostRecordInterval = TimeSpan.FromSeconds(10);

    /// <summary>Running instances are ended this long before the limit, for the seconds a termination takes.</summary>
    private static readonly TimeSpan BudgetMargin = TimeSpan.FromSeconds(30);

    /// <summary>After every type and zone refused for lack of capacity, wait this long before trying again.</summary>
    private static readonly TimeSpan CapacityBackoff = TimeSpan.FromSeconds(20);

    private const int CapacityRoundsBeforeGivingUp = 3;
    private const int RefusedInstancesBeforeGivingUp = 3;

    private DateTimeOffset _lastCostRecord = DateTimeOffset.MinValue;
    private DateTimeOffset _nextLaunch = DateTimeOffset.MinValue;
    private int _capacityRounds;
    private int _refused;
    private int _launching;

    private async Task ControlAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.Tick, _setup.Time);
        do
        {
            try
            {
                await ControlOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (BlenderFarm.Blender.UserFacingException e)
            {
                // EC2 refused something (credentials expired, a limit): say so and keep what runs running.
                Log.Warning(_setup.Logger, e.Message);
                _nextLaunch = _setup.Time.GetUtcNow() + CapacityBackoff;
            }
#pragma warning disable CA1031 // one bad tick must not end cost tracking, the money limit and teardown for the rest of the job
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.Warning(_setup.Logger, $"the fleet's check failed ({e.GetType().Name}: {e.Message}); trying again");
                _nextLaunch = _setup.Time.GetUtcNow() + CapacityBackoff;
            }
        }
        while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false));

        RecordCosts(_setup.Time.GetUtcNow(), force: true);
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ControlOnceAsync(CancellationToken cancellationToken)
    {
        var scheduler = _scheduler!;
        var now = _setup.Time.GetUtcNow();
        var progress = scheduler.Progress();
        var remaining = progress.Total - progress.Done - progress.Failed;
        RecordCosts(now, force: false);
        if (StopReason is not null)
        {
            return;
        }

        var live = Instances.Where(i => i.Stage is InstanceStage.Booting or InstanceStage.Ready).ToList();
        var spent = SpentUsd(now);
        var burn = live.Sum(i => i.PricePerHour) * BudgetMargin.TotalHours;
        if (live.Count > 0 && spent + burn >= Options.MaxCostUsd)
        {
            await StopForBudgetAsync(spent, live).ConfigureAwait(false);
            return;
        }

        if (remaining == 0)
        {
            _slots.Writer.TryComplete(); // every frame has ended: no instance is needed any more
            return;
        }

        if (progress.Queued == 0)
        {
            foreach (var idle in live.Where(i => i.IsIdleFor(Options.IdleTimeout, now)).ToList())
            {
                await TerminateAsync([idle], "idle: no frames are left for it").ConfigureAwait(false);
                live.Remove(idle);
            }
        }

        // Only queued frames need a new instance: frames already rendering have one, and launching while none is
        // queued would start an instance that goes idle at once and is ended, again and again, each billed a minute.
        // Each instance still booting will take at least one of the queued frames.
        var booting = live.Count(i => i.Stage == InstanceStage.Booting);
        var wanted = Math.Min(Options.MaxInstances, remaining);
        if (progress.Queued > booting && live.Count < wanted && now >= _nextLaunch)
        {
            await LaunchOneAsync(spent + burn, live.Count, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LaunchOneAsync(double committed, int liveCount, CancellationToken cancellationToken)
    {
        var dearest = Options.InstanceTypes.Select(t => _prices.Where(p => p.InstanceType == t).Select(p => p.UsdPerHour).DefaultIfEmpty(0).Max()).Max();
        var minimumBill = dearest * TimeSpan.FromSeconds(60).TotalHours + dearest * BudgetMargin.TotalHours;
        if (committed + minimumBill > Options.MaxCostUsd)
        {
            if (liveCount == 0)
            {
                Stop(string.Create(CultureInfo.InvariantCulture,
                    $"the --max-cost limit of ${Options.MaxCostUsd:0.00} leaves no room for another instance (${committed:0.00} spent or committed)"), budget: true);
            }

            return;
        }

        Interlocked.Increment(ref _launching); // the progress line says "launching" until the instance is tracked
        try
        {
            await LaunchAndTrackAsync(liveCount, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _launching);
        }
    }

    private async Task LaunchAndTrackAsync(int liveCount, CancellationToken cancellationToken)
    {
        LaunchedInstance? launched;
        IReadOnlyList<string> refusals;
        try
        {
            (launched, refusals) = await _launcher.LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BlenderFarm.Blender.UserFacingException e)
        {
            // A quota, the account, a permission or a parameter: trying again in 20 s would fail the same way.
            Stop(e.Message.TrimEnd('.'), budget: false);
            return;
        }

        foreach (var refusal in refusals)
        {
            Log.Warning(_setup.Logger, $"spot pool not used: {refusal}");
        }

        if (launched is null)
        {
            _capacityRounds++;
            _nextLaunch = _setup.Time.GetUtcNow() + CapacityBackoff;
            if (_capacityRounds >= CapacityRoundsBeforeGivingUp && liveCount == 0)
            {
                Stop($"EC2 has no spot capacity for {string.Join(", ", Options.InstanceTypes)} right now ({string.Join("; ", refusals)}): try other instance types, zones or regions", budget: false);
            }

            return;
        }

        _capacityRounds = 0;
        var instance = new FleetInstance(launched, PriceOf(launched.InstanceType, launched.Zone));
        Log.Launched(_setup.Logger, launched.InstanceId, launched.InstanceType, launched.Zone, instance.PricePerHour);
        Track(instance, reattached: false);
        RecordCost(instance, _setup.Time.GetUtcNow());
    }

    private async Task StopForBudgetAsync(double spent, IReadOnlyList<FleetInstance> live)
    {
        Stop(string.Create(CultureInfo.InvariantCulture,
            $"the --max-cost limit of ${Options.MaxCostUsd:0.00} was reached (${spent:0.00} spent)"), budget: true);
        await TerminateAsync(live, "the --max-cost limit was reached").ConfigureAwait(false);
    }

    private void Stop(string reason, bool budget)
    {
        StopReason ??= reason;
        BudgetReached |= budget;
        Log.Warning(_setup.Logger, "no more instances: " + reason);
        _slots.Writer.TryComplete();
    }

    private void RecordCosts(DateTimeOffset now, bool force)
    {
        if (!force && now - _lastCostRecord < CostRecordInterval)
        {
            return;
        }

        _lastCostRecord = now;
        foreach (var instance in Instances.Where(i => i.Stage != InstanceStage.Terminated))
        {
            RecordCost(instance, now);
        }
    }

    private void RecordCost(FleetInstance instance, DateTimeOffset now)
    {
        var until = instance.TerminatedAt ?? now;
        _scheduler?.RecordInstanceCost(new InstanceCostRecorded(
            instance.Id, instance.Launch.InstanceType, instance.Launch.Zone, instance.PricePerHour, instance.Launch.LaunchedAt,
            until, instance.CostUntil(now), instance.Stage == InstanceStage.Terminated, now));
    }
}
