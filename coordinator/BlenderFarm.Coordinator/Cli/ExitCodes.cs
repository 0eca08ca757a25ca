namespace BlenderFarm.Coordinator.Cli;

/// <summary>What the <c>blenderfarm</c> process returns. Documented in README.md.</summary>
public static class ExitCodes
{
    /// <summary>Every frame rendered and verified (or the command did what it was asked).</summary>
    public const int Ok = 0;

    /// <summary>The job ended with frames that failed every attempt, or no slot was left.</summary>
    public const int JobFailed = 1;

    /// <summary>Bad input: the command line, the .blend, the frames, Blender, the output folder.</summary>
    public const int BadInput = 2;

    /// <summary>The job was cancelled.</summary>
    public const int Cancelled = 3;

    /// <summary>The job paused (disk full, or stopped with Ctrl+C); <c>blenderfarm resume</c> carries on.</summary>
    public const int Paused = 4;

    /// <summary>Another coordinator is working on that job.</summary>
    public const int Busy = 5;

    /// <summary>The job's journal is empty or damaged beyond its last record, so the job cannot be read.</summary>
    public const int DamagedJournal = 6;
}
