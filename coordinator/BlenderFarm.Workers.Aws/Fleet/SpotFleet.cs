using System.Globalization;
using System.Threading.Channels;
using Amazon.EC2.Model;
using BlenderFarm.Domain.Journal;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Scheduling;
using BlenderFarm.Workers.Aws.Access;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.Pricing;
using BlenderFarm.Workers.Aws.Storage;
using BlenderFarm.Workers.Ssh;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>
/// A job's spot instances. Before the job starts it checks everything that can be checked (credentials, image,
/// prices), reclaims what earlier runs left (reattaching this job's instances, terminating orphans) and sets up the
/// farm's key pair and security group. While the job runs it keeps enough instances for the frames left within the
/// money limit, hands each ready instance's slots to the job, replaces interrupted ones, ends idle ones and journals
/// what each costs. Disposing it terminates everything and removes the key pair and security group.
/// </summary>
public sealed partial class SpotFleet : IAsyncDisposable
{
    private readonly FleetSetup _setup;
    private readonly FarmResources _farm;
    private readonly Image _image;
    private readonly IReadOnlyList<SpotQuote> _prices;
    private readonly IReadOnlyList<OwnedInstance> _reattach;
    private readonly SpotLauncher _launcher;
    private readonly HostKeyPolicy _hostKeys;
    private readonly SshHostOptions _hostOptions;
    private readonly Channel<IWorkerSlot> _slots = Channel.CreateUnbounded<IWorkerSlot>();
    private readonly List<FleetInstance> _instances = [];
    private readonly List<Task> _background = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _control = Task.CompletedTask;
    private JobScheduler? _scheduler;
    private double _costBefore;
    private int _disposed;

    private SpotFleet(FleetSetup setup, FarmResources farm, Image image, IReadOnlyList<SpotQuote> prices, IReadOnlyList<OwnedInstance> reattach, Task orphanCleanup)
    {
        _setup = setup;
        _farm = farm;
        _image = image;
        _prices = prices;
        _reattach = reattach;
        _background.Add(orphanCleanup);
        _launcher = new SpotLauncher(setup.Ec2, setup.Options, farm, image.ImageId, prices, Ec2Access.RegionOf(setup.Ec2), setup.Time);
        _hostKeys = new HostKeyPolicy([], KnownHostsFile, acceptNewHostKeys: false);
        _hostOptions = setup.HostOptions with { HostKeys = _hostKeys };
    }

    /// <summary>Slots of instances that became ready; completed when the fleet will bring no more.</summary>
    public ChannelReader<IWorkerSlot> Slots => _slots.Reader;

    /// <summary>Why the fleet stopped bringing instances before the job ended (money limit, no capacity), or null.</summary>
    public string? StopReason { get; private set; }

    /// <summary>True when the money limit ended the fleet: the job pauses and can be resumed with a higher limit.</summary>
    public bool BudgetReached { get; private set; }

    /// <summary>What the instances are doing, for the progress line: "aws: 2 rendering, 1 booting, 1 interrupted".</summary>
    public string Activity => FleetActivity.Describe(Instances, Volatile.Read(ref _launching));

    public string ImageDescription => $"{_image.ImageId} ({_image.Name})";

    public IReadOnlyList<FleetInstance> Instances
    {
        get
        {
            lock (_instances)
            {
                return [.. _instances];
            }
        }
    }

    private string KnownHostsFile => Path.Combine(_setup.FarmFolder(_farm.FarmId), "known_hosts");

    private AwsOptions Options => _setup.Options;

    /// <summary>Checks and prepares everything before the job starts; throws a one-sentence UserFacingException when something is wrong.</summary>
    public static async Task<SpotFleet> PrepareAsync(FleetSetup setup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var options = setup.Options;
        var image = await MachineImage.ResolveAsync(setup.Ec2, options, cancellationToken).ConfigureAwait(false);
        var prices = await SpotPrices.CurrentAsync(setup.Ec2, options.InstanceTypes, null, cancellationToken).ConfigureAwait(false);
        if (!options.InstanceTypes.Any(t => prices.Any(p => p.InstanceType == t)))
        {
            throw new BlenderFarm.Blender.UserFacingException(
                $"EC2 reports no spot price in this region for {string.Join(", ", options.InstanceTypes)}: choose instance types offered as spot there.");
        }

        if (setup.Store is null && options.Storage is not null)
        {
            // Only once the image and prices are known good: a wrong AMI or type must not cost the artist an upload.
            setup = setup with { Store = await JobUpload.UploadAsync(options, OwnerId.For(setup.FarmsFolder), setup.Files, setup.Time, setup.Logger, setup.UploadProgress, cancellationToken).ConfigureAwait(false) };
        }

        var owned = (await FarmInventory.InstancesAsync(setup.Ec2, cancellationToken).ConfigureAwait(false))
            .Where(i => FarmInventory.LiveStates.Contains(i.State)).ToList();
        var owner = OwnerId.For(setup.FarmsFolder);
        var mine = owned.Where(i => i.Owner == owner && i.JobId == setup.JobId && i.State is "pending" or "running").ToList();
        var orphans = owned.Where(i => i.Owner == owner && i.JobId != setup.JobId && !setup.IsJobActiveElsewhere(i.JobId)).ToList();
        if (owned.Count(i => i.Owner != owner) is var others and > 0)
        {
            Log.Info(setup.Logger, $"{others} BlenderFarm instance(s) launched from another machine or data folder are left alone ('blenderfarm instances' lists them)");
        }

        var cidr = options.CallerCidr ?? await FarmResources.DetectCallerCidrAsync(options.CallerAddressService, cancellationToken).ConfigureAwait(false);
        if (cidr.EndsWith("/0", StringComparison.Ordinal))
        {
            Log.Warning(setup.Logger, $"caller-cidr {cidr} opens the instances' SSH port to the whole internet (only the farm's key can log in): give your own address, e.g. 203.0.113.7/32");
        }

        // The farm of this job's running instances when this machine still has its key, else a new one: its id is the
        // owner's and a random part, so no other installation, job or earlier run ever shares its key pair or group.
        var farmId = mine.Select(i => i.FarmId).Distinct(StringComparer.Ordinal)
            .FirstOrDefault(f => FarmKey.Load(Path.Combine(setup.FarmFolder(f), "id_ed25519")) is not null);
        // Without their key nobody can log in to them (it went with the machine that launched them): they only cost money.
        orphans.AddRange(mine.Where(i => i.FarmId != farmId));
        mine.RemoveAll(i => i.FarmId != farmId);
        farmId ??= FarmId.New(owner);
        FarmResources farm;
        try
        {
            farm = await FarmResources.EnsureAsync(setup.Ec2, farmId, setup.JobId, owner, setup.FarmFolder(farmId), cidr, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (mine.Count == 0)
        {
            // Refused half way (a key pair but no group, say): nothing runs on this farm, so leave nothing of it behind.
            await RemoveHalfMadeFarmAsync(setup, farmId).ConfigureAwait(false);
            throw;
        }

        var leftovers = (await FarmInventory.FarmsWithResourcesAsync(setup.Ec2, owner, cancellationToken).ConfigureAwait(false))
            .Where(f => f.Key != farmId && !setup.IsJobActiveElsewhere(f.Value) && !owned.Any(i => i.FarmId == f.Key && !orphans.Contains(i)))
            .Select(f => f.Key)
            .ToList();
        var cleanup = ReclaimOrphansAsync(setup, farmId, orphans, leftovers);
        return new SpotFleet(setup, farm, image, prices, mine, cleanup);
    }

    /// <summary>Starts keeping the job supplied with instances. <paramref name="state"/> is the job as the run began (earlier runs' costs).</summary>
    public void Start(JobScheduler scheduler, JobState state)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(state);
        _scheduler = scheduler;
        scheduler.FrameChanged += OnFrameChanged;
        var reattached = _reattach.Select(r => r.InstanceId).ToHashSet(StringComparer.Ordinal);
        _costBefore = state.Instances.Values.Where(r => !reattached.Contains(r.InstanceId)).Sum(r => r.Usd);
        foreach (var owned in _reattach)
        {
            var price = state.Instances.TryGetValue(owned.InstanceId, out var known) ? known.PricePerHour : PriceOf(owned.InstanceType, owned.Zone);
            Log.Info(_setup.Logger, $"reattaching instance {owned.InstanceId} ({owned.InstanceType}) launched by an earlier run of job {_setup.JobId}");
            Track(new FleetInstance(new LaunchedInstance(owned.InstanceId, owned.InstanceType, owned.Zone, owned.LaunchedAt), price), reattached: true);
        }

        _control = Task.Run(() => ControlAsync(_stopping.Token));
    }

    /// <summary>Money spent on this job's instances so far, earlier runs included, in USD.</summary>
    public double SpentUsd(DateTimeOffset now) => _costBefore + Instances.Sum(i => i.CostUntil(now));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_scheduler is { } scheduler)
        {
            scheduler.FrameChanged -= OnFrameChanged;
        }

        try
        {
            await _control.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // whatever broke the control loop, the instances must still be terminated and the farm removed
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.Warning(_setup.Logger, $"the fleet's control loop stopped on an unexpected error ({e.GetType().Name}: {e.Message}); terminating every instance");
        }

        if (Options.Linger > TimeSpan.Zero && Instances.Any(i => i.Stage == InstanceStage.Ready))
        {
            await Task.Delay(Options.Linger, _setup.Time).ConfigureAwait(false);
        }

        _slots.Writer.TryComplete();
        await TerminateAsync(Instances, "the job ended").ConfigureAwait(false);
        Task[] background;
        lock (_instances)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background).WaitAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var slot in Instances.SelectMany(i => i.Slots))
        {
            try
            {
                await slot.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // the machine is terminated: its SSH connection cannot close politely (broken pipe), and the key pair and security group must still go
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        try
        {
            var ids = Instances.Select(i => i.Id).ToList();
            if (!await FarmInventory.WaitTerminatedAsync(_setup.Ec2, ids, TimeSpan.FromMinutes(3), CancellationToken.None).ConfigureAwait(false))
            {
                Log.Warning(_setup.Logger, $"instances {string.Join(", ", ids)} are still shutting down; run 'blenderfarm teardown' later to remove the farm's key pair and security group");
                return;
            }

            await FarmResources.DeleteAsync(_setup.Ec2, _farm.FarmId, _farm.OwnerId, _setup.FarmFolder(_farm.FarmId), TimeSpan.FromMinutes(3), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BlenderFarm.Blender.UserFacingException e)
        {
            Log.Warning(_setup.Logger, $"{e.Message} Run 'blenderfarm teardown' to finish removing the farm.");
        }
    }

    /// <summary>Tells each slot which frames the scheduler handed it (see <see cref="InstanceSlot.Observe"/>).</summary>
    private void OnFrameChanged(FrameChanged change)
    {
        foreach (var slot in Instances.SelectMany(i => i.Slots))
        {
            slot.Observe(change);
        }
    }

    private static async Task RemoveHalfMadeFarmAsync(FleetSetup setup, string farmId)
    {
        try
        {
            await FarmResources.DeleteAsync(setup.Ec2, farmId, OwnerId.For(setup.FarmsFolder), setup.FarmFolder(farmId), TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BlenderFarm.Blender.UserFacingException e)
        {
            Log.Warning(setup.Logger, $"{e.Message} Run 'blenderfarm teardown' to finish removing the farm.");
        }
    }

    /// <summary>Terminates orphan instances, then removes their farms' key pairs and groups and those of farms left with no instance.</summary>
    private static async Task ReclaimOrphansAsync(FleetSetup setup, string farmId, IReadOnlyList<OwnedInstance> orphans, IReadOnlyCollection<string> leftoverFarms)
    {
        await Task.Yield();
        foreach (var orphan in orphans)
        {
            Log.Warning(setup.Logger, string.Create(CultureInfo.InvariantCulture,
                $"terminating instance {orphan.InstanceId} of job {orphan.JobId}: no BlenderFarm coordinator is using it (left by one that stopped), launched {orphan.LaunchedAt:u}"));
        }

        try
        {
            if (orphans.Count > 0)
            {
                await FarmInventory.TerminateAsync(setup.Ec2, [.. orphans.Select(o => o.InstanceId)], CancellationToken.None).ConfigureAwait(false);
                await FarmInventory.WaitTerminatedAsync(setup.Ec2, [.. orphans.Select(o => o.InstanceId)], TimeSpan.FromMinutes(3), CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var farm in orphans.Select(o => o.FarmId).Union(leftoverFarms).Distinct().Where(f => f != farmId))
            {
                await FarmResources.DeleteAsync(setup.Ec2, farm, OwnerId.For(setup.FarmsFolder), setup.FarmFolder(farm), TimeSpan.FromMinutes(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (BlenderFarm.Blender.UserFacingException e)
        {
            Log.Warning(setup.Logger, $"{e.Message} Run 'blenderfarm teardown' to make sure nothing is left running.");
        }
    }

    private double PriceOf(string instanceType, string zone) =>
        SpotPrices.For(_prices, instanceType, zone)
        ?? throw new BlenderFarm.Blender.UserFacingException($"EC2 reports no spot price for {instanceType} in this region: remove it from the instance types.");
}
