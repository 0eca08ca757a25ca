namespace BlenderFarm.Workers.Aws.Fleet;

/// <summary>Where an instance is in its life with the farm.</summary>
public enum InstanceStage
{
    /// <summary>Launched; waiting for it to run, checking its host key, installing, syncing the job.</summary>
    Booting,

    /// <summary>Its slots take frames.</summary>
    Ready,

    /// <summary>Leaving the job (interruption notice, idle, budget, lost): it takes no new frames and is being terminated.</summary>
    Withdrawn,

    /// <summary>Terminated; its cost is final.</summary>
    Terminated,
}

/// <summary>What a booting instance is busy with, for the progress line.</summary>
public enum BootStep
{
    /// <summary>Waiting for EC2 to run it and for its host key.</summary>
    Booting,

    /// <summary>Downloading and installing the official Blender build (an image without Blender).</summary>
    InstallingBlender,

    /// <summary>Fetching the job's files from S3.</summary>
    FetchingFiles,

    /// <summary>Copying the job over SSH and checking its GPUs.</summary>
    Syncing,
}

/// <summary>One spot instance of the farm: what it costs, where it is in its life, and its slots.</summary>
public sealed class FleetInstance(LaunchedInstance launch, double pricePerHour)
{
    private readonly CancellationTokenSource _withdrawn = new();
    private readonly List<InstanceSlot> _slots = [];
    private bool _terminationClaimed;

    public LaunchedInstance Launch { get; } = launch;

    public string Id => Launch.InstanceId;

    public double PricePerHour { get; } = pricePerHour;

    public InstanceStage Stage { get; private set; } = InstanceStage.Booting;

    public string? Address { get; set; }

    public string? WithdrawReason { get; private set; }

    /// <summary>What it is doing while <see cref="Stage"/> is <see cref="InstanceStage.Booting"/>.</summary>
    public BootStep Step { get; set; }

    /// <summary>True once EC2 gave it a spot interruption notice.</summary>
    public bool Interrupted { get; private set; }

    /// <summary>
    /// What it is doing, in a few words for the progress line: "booting", "installing Blender", "fetching files",
    /// "syncing", "rendering" (a slot holds frames), "idle", "leaving", or "interrupted" (even once terminated: the
    /// user should see that a replacement was needed); null when it was terminated for any other reason.
    /// </summary>
    public string? Doing => Stage switch
    {
        _ when Interrupted => "interrupted",
        InstanceStage.Booting => Step switch
        {
            BootStep.InstallingBlender => "installing Blender",
            BootStep.FetchingFiles => "fetching files",
            BootStep.Syncing => "syncing",
            _ => "booting",
        },
        InstanceStage.Ready => Slots.Any(s => s.IdleSince is null) ? "rendering" : "idle",
        InstanceStage.Withdrawn => "leaving",
        _ => null,
    };

    public DateTimeOffset? TerminatedAt { get; private set; }

    /// <summary>Cancelled when the instance leaves the job.</summary>
    public CancellationToken Withdrawn => _withdrawn.Token;

    public IReadOnlyList<InstanceSlot> Slots
    {
        get
        {
            lock (_slots)
            {
                return [.. _slots];
            }
        }
    }

    /// <summary>EC2 bills spot per second with a 60-second minimum, at the price when it launched.</summary>
    public double CostUntil(DateTimeOffset now) =>
        PricePerHour * Math.Max(60, ((TerminatedAt ?? now) - Launch.LaunchedAt).TotalSeconds) / 3600;

    public void BecameReady(IEnumerable<InstanceSlot> slots)
    {
        lock (_slots)
        {
            _slots.AddRange(slots);
            if (Stage == InstanceStage.Booting)
            {
                Stage = InstanceStage.Ready;
            }
        }
    }

    /// <summary>Takes the instance out of the job; returns false when it had already left.</summary>
    public bool Withdraw(string reason)
    {
        lock (_slots)
        {
            if (Stage is InstanceStage.Withdrawn or InstanceStage.Terminated)
            {
                return false;
            }

            Stage = InstanceStage.Withdrawn;
            WithdrawReason = reason;
        }

        _withdrawn.Cancel();
        return true;
    }

    /// <summary>Marks it as interrupted by EC2 (a spot interruption notice), before it is withdrawn.</summary>
    public void MarkInterrupted() => Interrupted = true;

    /// <summary>Gives the claim back when TerminateInstances failed, so teardown tries again.</summary>
    public void ReleaseTermination()
    {
        lock (_slots)
        {
            _terminationClaimed = false;
        }
    }

    /// <summary>True for the first caller only: that one terminates the instance, the others leave it alone.</summary>
    public bool ClaimTermination()
    {
        lock (_slots)
        {
            if (_terminationClaimed || Stage == InstanceStage.Terminated)
            {
                return false;
            }

            _terminationClaimed = true;
            return true;
        }
    }

    public void Terminated(DateTimeOffset at)
    {
        Withdraw("terminated");
        lock (_slots)
        {
            Stage = InstanceStage.Terminated;
            TerminatedAt ??= at;
        }
    }

    /// <summary>True when every slot has been idle for at least <paramref name="idle"/>.</summary>
    public bool IsIdleFor(TimeSpan idle, DateTimeOffset now)
    {
        var slots = Slots;
        return Stage == InstanceStage.Ready && slots.Count > 0 && slots.All(s => s.IdleSince is { } since && now - since >= idle);
    }
}
