using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Cli;

/// <summary>A journal of zero bytes: every command that reads the job says so in one sentence, with its own exit code.</summary>
[Category("Blender")]
public sealed class DamagedJournalTests
{
    [TestCase("status")]
    [TestCase("resume")]
    [TestCase("cancel")]
    public async Task An_empty_journal_gives_one_sentence_and_exit_code_6(string verb)
    {
        using var workspace = new Workspace();
        var scene = await Scenes.CopyAsync(Scenes.Tiny, workspace);
        Assert.That((await workspace.Cli.RunAsync("render", scene, "--frames", "1", "--workers", "local:1", "--job-id", "empty")).ExitCode, Is.Zero);
        var journal = Path.Combine(workspace.Cli.Home, "jobs", "empty", "journal.bfj");
        File.WriteAllBytes(journal, []);

        var result = await workspace.Cli.RunAsync(verb, "empty");

        Assert.That(result.ExitCode, Is.EqualTo(6), result.ToString());
        Assert.That(result.Stderr.Trim(), Does.StartWith("blenderfarm: ").And.Contain("is not a BlenderFarm job journal").And.Not.Contain("unexpected").And.Not.Contain("   at "));
        Assert.That(result.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), result.ToString());
    }
}
