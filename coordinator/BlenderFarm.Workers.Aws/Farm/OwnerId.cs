namespace BlenderFarm.Workers.Aws.Farm;

/// <summary>
/// This BlenderFarm installation's id, made once and kept in the farms folder: every resource is tagged with it, so
/// that orphan clean-up only ever touches what this installation launched.
/// </summary>
public static class OwnerId
{
    public static string For(string farmsFolder)
    {
        var file = Path.Combine(farmsFolder, "owner-id");
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } existing)
        {
            return existing;
        }

        Directory.CreateDirectory(farmsFolder);
        var id = Environment.MachineName.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..12];
        File.WriteAllText(file, id + "\n");
        return id;
    }
}
