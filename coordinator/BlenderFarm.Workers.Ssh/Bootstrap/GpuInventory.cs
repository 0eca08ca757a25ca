using System.Globalization;

namespace BlenderFarm.Workers.Ssh.Bootstrap;

/// <summary>An NVIDIA GPU as <c>nvidia-smi --query-gpu=index,name,uuid,memory.total --format=csv,noheader</c> lists it.</summary>
public sealed record Gpu(int Index, string Name, string Uuid, string Memory);

/// <summary>Reads nvidia-smi's CSV output; anything else (no driver, no GPU) gives no GPUs.</summary>
public static class GpuInventory
{
    public const string Query = "nvidia-smi --query-gpu=index,name,uuid,memory.total --format=csv,noheader";

    public static IReadOnlyList<Gpu> Parse(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var gpus = new List<Gpu>();
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length >= 4 && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && fields[2].StartsWith("GPU-", StringComparison.Ordinal))
            {
                gpus.Add(new Gpu(index, fields[1], fields[2], fields[3]));
            }
        }

        return gpus;
    }
}
