using BlenderFarm.Domain.Frames;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>
/// One slot per GPU, end to end: a host whose nvidia-smi lists two GPUs (a stand-in printing the real format; no
/// GPU exists here) gets two slots, each pinned to its GPU; Cycles finds no usable GPU, so each warns and renders on
/// the CPU, and every frame still ends exactly once.
/// </summary>
[Category("Blender")]
[Category("Ssh")]
public sealed class GpuSlotTests
{
    private const string TwoGpus = """
        0, NVIDIA GeForce RTX 4090, GPU-5f2c9d1e-0a3b-4c1d-9e8f-1234567890ab, 24564 MiB
        1, NVIDIA GeForce RTX 4090, GPU-8e1c2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f, 24564 MiB
        """;

    [Test]
    public async Task A_host_with_two_GPUs_gets_two_slots_and_warns_when_Cycles_can_only_use_the_CPU()
    {
        using var workspace = new Workspace();
        using var hosts = SshHosts.Start(workspace.PathOf("hosts"), 1, fakeNvidiaSmi: TwoGpus);
        var host = hosts.Hosts[0];
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);

        var result = await workspace.Cli.RunAsync("render", scene, "--frames", "1-6", "--workers", "ssh:" + hosts.WriteHostsFile(workspace.PathOf("hosts.txt")),
            "--known-hosts", hosts.WriteKnownHosts(workspace.PathOf("known_hosts")), "--output", workspace.PathOf("out"), "--job-id", "gpus");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stderr, Does.Contain($"host {host.Name}: Blender 3.4.1, 2 GPU(s), 2 slot(s)"));
        Assert.That(result.Stderr, Does.Contain($"{host.Name}#1: Cycles found no usable GPU"));
        Assert.That(result.Stderr, Does.Contain($"{host.Name}#2: Cycles found no usable GPU"));
        var journal = new JournalView(workspace.Cli.Home, "gpus");
        Assert.That(journal.DoneCounts(), Is.EqualTo(Enumerable.Range(1, 6).ToDictionary(f => f, _ => 1)));
        // Both slots get work; with copies of stragglers a faster slot may finish every frame on a loaded machine.
        Assert.That(journal.Changes.Where(c => c.To == FrameState.Rendering).Select(c => c.Slot).Distinct().Order(),
            Is.EqualTo(new[] { $"{host.Name}#1", $"{host.Name}#2" }), "both GPU slots were handed frames");
        Assert.That(Directory.GetDirectories(Path.Combine(host.WorkFolder, "jobs", "gpus", "frames")).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "gpu0", "gpu1" }), "each slot wrote into its GPU's folder");
    }
}
