using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>Packing for remote hosts takes only what the user chose: roots and hidden folders are refused before any host is reached.</summary>
[Category("Blender")]
public sealed class PackingLimitsTests
{
    [Test]
    public async Task A_fluid_cache_folder_of_the_filesystem_root_is_refused_before_any_host_is_reached()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("fluid.blend"), new { fluid_cache = "/" });

        var result = await workspace.Cli.RunAsync("render", scene, "--host", "nobody@127.0.0.9");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain("/ is a filesystem root; BlenderFarm does not pack a whole disk."));
    }

    [Test]
    public async Task An_image_path_pointing_at_a_private_key_is_refused_before_any_host_is_reached()
    {
        using var workspace = new Workspace();
        var home = workspace.PathOf("home");
        var key = Path.Combine(home, ".ssh", "id_ed25519");
        Directory.CreateDirectory(Path.GetDirectoryName(key)!);
        await File.WriteAllTextAsync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        Directory.CreateDirectory(workspace.PathOf("project"));
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("project", "key.blend"), new { texture = key });
        workspace.Cli.Environment["HOME"] = home;

        var result = await workspace.Cli.RunAsync("render", scene, "--host", "nobody@127.0.0.9", "--allow-missing");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(key + " is inside the hidden folder ~/.ssh"));
    }
}
