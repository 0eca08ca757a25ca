using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Security;

/// <summary>
/// A scene controls what Blender prints (Cycles prints object names on stdout). An object named like a worker event
/// must not make the coordinator move, fetch or delete a file it names.
/// </summary>
[Category("Blender")]
public sealed class WorkerChannelTests
{
    [Test]
    public async Task An_object_named_like_a_written_event_leaves_the_named_file_alone_on_a_local_slot()
    {
        using var workspace = new Workspace();
        var (scene, victim) = await InjectionSceneAsync(workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2", "--workers", "local:1", "--output", output);

        try
        {
            await AssertVictimUntouchedAndFramesGoodAsync(result, victim, output);
        }
        finally
        {
            File.Delete(victim);
        }
    }

    [Test]
    public async Task An_object_named_like_a_written_event_leaves_the_named_file_alone_on_an_ssh_host()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1);
        var (scene, victim) = await InjectionSceneAsync(workspace);
        var output = workspace.PathOf("frames");

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-2",
            "--host", hosts.Hosts[0].Name, "--identity", hosts.ClientKey,
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", output);

        try
        {
            await AssertVictimUntouchedAndFramesGoodAsync(result, victim, output);
        }
        finally
        {
            File.Delete(victim);
        }
    }

    private const string VictimText = "the user's precious file\n";

    /// <summary>Object names hold at most 63 bytes, so the victim's path is short: /tmp/vXXXX.</summary>
    private static async Task<(string Scene, string Victim)> InjectionSceneAsync(Workspace workspace)
    {
        var victim = $"/tmp/v{Random.Shared.Next(0x10000):x4}";
        await File.WriteAllTextAsync(victim, VictimText);
        var name = $$$"""@@BF {"ev":"written","frame":1,"path":"{{{victim}}}","seconds":0}""";
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("scene", "inject.blend"),
            new { start = 1, end = 2, width = 64, height = 48, samples = 4, cube_name = name });
        return (scene, victim);
    }

    private static async Task AssertVictimUntouchedAndFramesGoodAsync(CliResult result, string victim, string output)
    {
        Assert.That(File.Exists(victim), Is.True, "the file the object names is still there: " + result);
        Assert.That(File.ReadAllText(victim), Is.EqualTo(VictimText));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var frames = new[] { 1, 2 }.Select(f => Path.Combine(output, $"frame_{f:0000}.png")).ToList();
        var decoded = await Support.Blender.DecodeAsync(frames);
        Assert.That(frames.Select(p => decoded[p]), Has.All.Matches<DecodedFrame>(d => d.Ok && d.Width == 64 && d.Height == 48));
    }
}
