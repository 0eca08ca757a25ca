namespace BlenderFarm.Workers.Aws;

/// <summary>Tags BlenderFarm puts on everything it creates, so that it can always find (and remove) what it owns.</summary>
public static class Tags
{
    /// <summary>The farm: one per job run on AWS; its value names the key pair, security group and private key.</summary>
    public const string Farm = "blenderfarm:farm";

    /// <summary>The job the resource works for.</summary>
    public const string Job = "blenderfarm:job";

    /// <summary>
    /// The BlenderFarm installation (one per user data folder) that made the resource. Only its owner treats an
    /// instance as an orphan: a studio's other machines sharing the AWS account keep theirs.
    /// </summary>
    public const string Owner = "blenderfarm:owner";

    public const string Name = "Name";
}
