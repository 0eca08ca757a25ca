using System.Text;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Finds the Blender processes of a job's slots through /proc (Linux), by their command lines.</summary>
internal static class SlotProcesses
{
    /// <summary>Process ids of Blenders that render <paramref name="blendFile"/>, with the slot each serves.</summary>
    public static IReadOnlyList<(int Pid, string Slot)> Find(string blendFile) => Find(args => args.Contains(blendFile));

    /// <summary>Process ids of Blender workers whose slot id starts with <paramref name="slotPrefix"/> (an SSH host's name), wherever their scene is.</summary>
    public static IReadOnlyList<(int Pid, string Slot)> FindBySlot(string slotPrefix) =>
        Find(args => Array.IndexOf(args, "--slot") is var at && at > 0 && at + 1 < args.Length && args[at + 1].StartsWith(slotPrefix, StringComparison.Ordinal));

    private static List<(int Pid, string Slot)> Find(Func<string[], bool> matches)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var slotAt = Array.IndexOf(args, "--slot");
            if (slotAt > 0 && slotAt + 1 < args.Length && matches(args))
            {
                found.Add((pid, args[slotAt + 1]));
            }
        }

        return found;
    }

    /// <summary>True while the process runs or is stopped; false once it is gone or a zombie.</summary>
    public static bool Exists(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    /// <summary>Sends a signal by name (STOP, KILL ...) to one process.</summary>
    public static void Signal(string signal, int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public static async Task WaitUntilGoneAsync(string blendFile, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Find(blendFile).Count > 0)
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"Blender processes for {blendFile} outlived their coordinator");
            await Task.Delay(100);
        }
    }
}
