using System.Globalization;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Workers.Aws.Farm;
using BlenderFarm.Workers.Aws.Fleet;
using BlenderFarm.Workers.Aws.Storage;

namespace BlenderFarm.Coordinator.Commands.Aws;

/// <summary>
/// <c>blenderfarm teardown</c>: terminates every instance BlenderFarm owns in the region and removes every farm's key
/// pair, security group and private key (with --all-owners, also those launched from other machines sharing the
/// account). A job still rendering loses its instances; resume it later.
/// </summary>
internal static class TeardownCommand
{
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("teardown", arguments, AwsCommandLine.ValueOptions, new HashSet<string> { "all-owners", "delete-bucket" });
        line.Single("argument", required: false);
        var (options, ec2, all) = await AwsCommandLine.OpenAsync(context, line).ConfigureAwait(false);
        using var client = ec2;
        var farmsFolder = Path.Combine(context.Store.Root, "aws");
        var owner = line.Flag("all-owners") ? null : OwnerId.For(farmsFolder);
        var live = all.Where(i => owner is null || i.Owner == owner).ToList();
        if (all.Count > live.Count)
        {
            context.Out.WriteLine($"Leaving {all.Count - live.Count} instance(s) launched from another machine or data folder alone ('teardown --all-owners' ends them too).");
        }
        foreach (var job in live.Select(i => i.JobId).Distinct().Where(context.Store.IsTaken))
        {
            context.Out.WriteLine($"Job {job} is still rendering: its instances go, its frames go back to the queue (resume it later).");
        }

        var ids = live.Select(i => i.InstanceId).ToList();
        await FarmInventory.TerminateAsync(ec2, ids, CancellationToken.None).ConfigureAwait(false);
        foreach (var instance in live)
        {
            context.Out.WriteLine($"Terminating {instance.InstanceId} ({instance.InstanceType}, job {instance.JobId}).");
        }

        if (!await FarmInventory.WaitTerminatedAsync(ec2, ids, TimeSpan.FromMinutes(5), CancellationToken.None).ConfigureAwait(false))
        {
            throw new BlenderFarm.Blender.UserFacingException("Some instances are still shutting down after 5 minutes: run 'blenderfarm teardown' again to remove their key pairs and security groups.");
        }

        var farms = (await FarmInventory.FarmsWithResourcesAsync(ec2, owner, CancellationToken.None).ConfigureAwait(false)).Keys
            .Union(live.Select(i => i.FarmId))
            .Union(Directory.Exists(farmsFolder) ? Directory.GetDirectories(farmsFolder).Select(Path.GetFileName).OfType<string>() : [])
            .ToList();
        foreach (var farm in farms)
        {
            await FarmResources.DeleteAsync(ec2, farm, owner, Path.Combine(farmsFolder, farm), TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
        }

        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Terminated {ids.Count} instance(s) and removed {farms.Count} farm(s)' key pairs, security groups and keys: nothing of BlenderFarm is left in {AwsCommandLine.Region(ec2)}."));
        if (options.Storage is { } storage)
        {
            context.Out.WriteLine(await JobStorageTeardown.RunAsync(options, storage, OwnerId.For(farmsFolder), line.Flag("delete-bucket")).ConfigureAwait(false));
        }

        return ExitCodes.Ok;
    }
}
