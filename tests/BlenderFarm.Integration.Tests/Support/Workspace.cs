namespace BlenderFarm.Integration.Tests.Support;

/// <summary>A fresh folder per test: the job home, scenes and outputs. Removed afterwards unless the test failed.</summary>
internal sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "bf-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        Cli = new Cli(Path.Combine(Root, "home"));
    }

    public string Root { get; }

    public Cli Cli { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public void Dispose()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A mount or a process still inside; the temp folder is cleaned by the OS.
            }
        }
        else
        {
            TestContext.Out.WriteLine($"Kept the workspace of the failed test: {Root}");
        }
    }
}
