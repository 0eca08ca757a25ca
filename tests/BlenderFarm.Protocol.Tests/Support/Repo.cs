using System.Diagnostics;

namespace BlenderFarm.Protocol.Tests.Support;

/// <summary>The repository the tests run from, its scripts, and helpers to run programs.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string TestOutput => Path.Combine(Root, ".test-output", "addon");

    public static string BlenderScripts => Path.Combine(Root, "tests", "addon", "blender");

    public static string Cli => Path.Combine(TestContext.CurrentContext.TestDirectory, "blenderfarm.dll");

    public static string NewTempFolder(string what)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"bf-{what}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs a program to its end (or the timeout) and returns its exit code and merged output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var lockObject = new Lock();
        process.OutputDataReceived += (_, e) => { lock (lockObject) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (lockObject) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (124, output + $"\n(killed after {timeoutSeconds} s)");
        }

        process.WaitForExit();
        lock (lockObject)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>Builds the add-on test project (texture, linked library, shots) with Blender itself.</summary>
    public static async Task<string> MakeScenesAsync()
    {
        var folder = NewTempFolder("scenes");
        var (code, output) = await RunAsync(Blender.Discovery.BlenderLocator.Find(null),
            ["-b", "--factory-startup", "--python-exit-code", "1", "--python", Path.Combine(BlenderScripts, "make_scenes.py"), "--", folder]);
        Assert.That(code, Is.Zero, output);
        return folder;
    }

    /// <summary>Stops a `blenderfarm serve` left running in a job home (the add-on starts it detached).</summary>
    public static void StopServer(string home)
    {
        var endpoint = Path.Combine(home, "run", "endpoint.json");
        if (!File.Exists(endpoint))
        {
            return;
        }

        try
        {
            var pid = System.Text.Json.JsonDocument.Parse(File.ReadAllText(endpoint)).RootElement.GetProperty("processId").GetInt32();
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            // Already gone.
        }
    }

    private static string FindRoot()
    {
        var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "BlenderFarmAddon.sln")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("The tests must run inside the repository.");
    }
}
