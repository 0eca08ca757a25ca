using System.Security.Cryptography;

namespace BlenderFarm.Workers.Aws.Farm;

/// <summary>
/// A farm's id: this installation's owner id and a random part, never the job id. Two installations in one account,
/// or two runs of one job, never share a farm's key pair or security group, and a farm's name says whose it is.
/// </summary>
public static class FarmId
{
    /// <summary>A new farm id, e.g. <c>workstation-7-0123456789ab-3f9c2a71e0b4</c>.</summary>
    public static string New(string ownerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        return ownerId + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    }
}
