using BlenderFarm.Workers.Ssh.Bootstrap;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Slots per GPU come from nvidia-smi's CSV, in the format real drivers print (captured samples).</summary>
public sealed class GpuInventoryTests
{
    private const string TwoGpus = """
        0, NVIDIA GeForce RTX 4090, GPU-5f2c9d1e-0a3b-4c1d-9e8f-1234567890ab, 24564 MiB
        1, NVIDIA A100-SXM4-80GB, GPU-8e1c2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f, 81920 MiB
        """;

    private const string NoDriver =
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n";

    [Test]
    public void Each_listed_GPU_becomes_one_entry_in_order()
    {
        var gpus = GpuInventory.Parse(TwoGpus);

        Assert.That(gpus, Is.EqualTo(new[]
        {
            new Gpu(0, "NVIDIA GeForce RTX 4090", "GPU-5f2c9d1e-0a3b-4c1d-9e8f-1234567890ab", "24564 MiB"),
            new Gpu(1, "NVIDIA A100-SXM4-80GB", "GPU-8e1c2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f", "81920 MiB"),
        }));
    }

    [Test]
    public void A_single_H100_with_windows_line_endings_is_one_GPU() =>
        Assert.That(GpuInventory.Parse("0, NVIDIA H100 80GB HBM3, GPU-0b2a8c6e-1d3f-4e5a-9b7c-2d4f6a8c0e1b, 81559 MiB\r\n"), Has.Count.EqualTo(1));

    [TestCase(NoDriver)]
    [TestCase("")]
    [TestCase("bash: line 1: nvidia-smi: command not found\n")]
    [TestCase("No devices were found\n")]
    public void No_driver_or_no_GPU_gives_no_GPUs(string output) => Assert.That(GpuInventory.Parse(output), Is.Empty);
}
