using System.Globalization;
using BlenderFarm.Blender.Scripts;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Domain.Running;
using BlenderFarm.Workers.Local;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>Builds the slots a job renders on from its workers spec.</summary>
internal static class SlotFactory
{
    public static IReadOnlyList<IWorkerSlot> Create(WorkersSpec workers, JobSpec spec, string blenderPath, string scriptFolder)
    {
        var worker = ScriptFiles.Materialize(ScriptFiles.Worker, scriptFolder);
        var workFolder = Path.Combine(spec.OutputDirectory, JobRunner.StagingFolderName, "slots");
        var formatOverride = spec.Scene.FileFormat;
        var options = new LocalSlotOptions(blenderPath, spec.BlendFile, worker, workFolder, workers.ThreadsPerSlot, formatOverride);
        return [.. Enumerable.Range(1, workers.Slots).Select(i => new LocalSlot(string.Create(CultureInfo.InvariantCulture, $"local-{i}"), options))];
    }
}
