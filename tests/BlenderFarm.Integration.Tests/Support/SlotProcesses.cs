using System.Text;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>Finds the Blender processes of a job's slots through /proc (Linux), by their command lines.</summary>
internal static class SlotProcesses
{
    /// <summary>Process ids of Blenders that render <paramref name="blendFile"/>, with the slot each serves.</summary>
    public static IReadOnlyList<(int Pid, string Slot)> Find(string blendFile)
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
            if (slotAt > 0 && slotAt + 1 < args.Length && args.Contains(blendFile))
            {
                found.Add((pid, args[slotAt + 1]));
            }
        }

        return found;
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
