namespace BlenderFarm.Workers.Aws.Access;

/// <summary>What an EC2 error code means for BlenderFarm, and so what it does about it.</summary>
public enum Ec2ErrorKind
{
    /// <summary>Anything not listed: say EC2's message and stop.</summary>
    Other = 0,

    /// <summary>No spot capacity for this type or zone right now: try the next type or zone.</summary>
    Capacity = 1,

    /// <summary>An account limit (spot vCPUs, instance count): stop, naming the quota and where to raise it.</summary>
    Quota = 2,

    /// <summary>The account or the credentials may not do this (new account, opt-in, IAM): stop at once.</summary>
    Account = 3,

    /// <summary>EC2 refused a parameter (an AMI of the wrong architecture, a bad name): stop with EC2's message.</summary>
    BadParameter = 4,

    /// <summary>Throttling or eventual consistency: retry with backoff until a deadline.</summary>
    Transient = 5,
}

/// <summary>The one place that sorts EC2's error codes into <see cref="Ec2ErrorKind"/>s.</summary>
public static class Ec2Errors
{
    private static readonly Dictionary<string, Ec2ErrorKind> Kinds = new(StringComparer.Ordinal)
    {
        ["InsufficientInstanceCapacity"] = Ec2ErrorKind.Capacity,
        ["InsufficientCapacity"] = Ec2ErrorKind.Capacity,
        ["InsufficientHostCapacity"] = Ec2ErrorKind.Capacity,
        ["InsufficientReservedInstanceCapacity"] = Ec2ErrorKind.Capacity,
        ["InsufficientFreeAddressesInSubnet"] = Ec2ErrorKind.Capacity,
        ["SpotMaxPriceTooLow"] = Ec2ErrorKind.Capacity,
        ["Unsupported"] = Ec2ErrorKind.Capacity,
        ["MaxSpotInstanceCountExceeded"] = Ec2ErrorKind.Quota,
        ["VcpuLimitExceeded"] = Ec2ErrorKind.Quota,
        ["InstanceLimitExceeded"] = Ec2ErrorKind.Quota,
        ["PendingVerification"] = Ec2ErrorKind.Account,
        ["OptInRequired"] = Ec2ErrorKind.Account,
        ["AuthFailure"] = Ec2ErrorKind.Account,
        ["UnauthorizedOperation"] = Ec2ErrorKind.Account,
        ["Blocked"] = Ec2ErrorKind.Account,
        ["InvalidParameterValue"] = Ec2ErrorKind.BadParameter,
        ["InvalidParameter"] = Ec2ErrorKind.BadParameter,
        ["InvalidParameterCombination"] = Ec2ErrorKind.BadParameter,
        ["InvalidAMIID.Malformed"] = Ec2ErrorKind.BadParameter,
        ["InvalidAMIID.NotFound"] = Ec2ErrorKind.BadParameter,
        ["InvalidRequest"] = Ec2ErrorKind.BadParameter,
        ["MissingParameter"] = Ec2ErrorKind.BadParameter,
        ["UnknownParameter"] = Ec2ErrorKind.BadParameter,
        ["RequestLimitExceeded"] = Ec2ErrorKind.Transient,
        ["Throttling"] = Ec2ErrorKind.Transient,
        ["InternalError"] = Ec2ErrorKind.Transient,
        ["ServiceUnavailable"] = Ec2ErrorKind.Transient,
        ["Unavailable"] = Ec2ErrorKind.Transient,
        ["InvalidInstanceID.NotFound"] = Ec2ErrorKind.Transient,
        ["InvalidGroup.NotFound"] = Ec2ErrorKind.Transient,
        ["InvalidKeyPair.NotFound"] = Ec2ErrorKind.Transient,
    };

    public static Ec2ErrorKind KindOf(string? code) => code is not null && Kinds.TryGetValue(code, out var kind) ? kind : Ec2ErrorKind.Other;

    /// <summary>The sentence for a quota refusal: which quota, which region, where to ask for more.</summary>
    public static string QuotaSentence(string code, string instanceType, string region) =>
        $"EC2 refused a {instanceType} spot instance: this account's quota is used up ({code}; for GPU types the quota is "
        + $"'All G and VT Spot Instance Requests', in vCPUs, which is 0 on a new account): ask for more in the Service Quotas console "
        + $"(https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas, region {region}), then try again.";

    /// <summary>
    /// Runs <paramref name="call"/>, retrying the codes in <paramref name="retry"/> (and throttling) with exponential
    /// backoff until <paramref name="patience"/> has passed; then the last error escapes.
    /// </summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, IReadOnlySet<string> retry, TimeSpan patience, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + patience;
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Amazon.Runtime.AmazonServiceException e) when ((retry.Contains(e.ErrorCode) || e.ErrorCode is "RequestLimitExceeded" or "Throttling")
                && time.GetUtcNow() + wait < deadline)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }
}
