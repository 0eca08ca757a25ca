using System.Diagnostics;
using BlenderFarm.Domain.Frames;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Domain.Journal;

namespace BlenderFarm.Benchmarks;

/// <summary>How many records a second the journal makes durable with many writers at once (a farm's slots).</summary>
internal static class JournalThroughput
{
    public static (int Records, double Seconds) Run(int writers, int recordsPerWriter)
    {
        var folder = Directory.CreateTempSubdirectory("blenderfarm-journal-").FullName;
        try
        {
            var spec = new JobSpec("bench", "/sim/shot.blend", folder, [1], new SceneInfo("Scene", 1, 1, 1, 64, 48, "PNG", ".png", "frame_", "CYCLES", "4.2.3"),
                ChunkPolicy.Auto, "sim", "/usr/bin/blender", SimClock.Epoch);
            using var journal = FileJobJournal.Create(Path.Combine(folder, "journal.bfj"), new JobCreated(spec));
            var gate = new Lock();
            var watch = Stopwatch.StartNew();
            // Each writer is a slot's loop: append a record under the scheduler's lock, wait (asynchronously, outside
            // the lock) until it is durable, then go on.
            var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < recordsPerWriter; i++)
                {
                    Task durable;
                    lock (gate)
                    {
                        durable = journal.AppendAsync(new FrameChanged(i, FrameState.Rendering, FrameState.Transferring, SimClock.Epoch, $"slot-{w}", 0, null, 61.5, null));
                    }

                    await durable.ConfigureAwait(false);
                }
            })).ToArray();
            Task.WaitAll(writerTasks);
            watch.Stop();
            return (writers * recordsPerWriter, watch.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
