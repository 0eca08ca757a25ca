using BlenderFarm.Blender.Scripts;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Blender.Scripts;

public sealed class ScriptFilesTests
{
    [Test]
    public void A_worker_script_changed_on_disk_is_replaced_by_this_builds_before_use()
    {
        using var workspace = new Workspace();
        var folder = workspace.PathOf("scripts");
        var path = ScriptFiles.Materialize(ScriptFiles.Worker, folder);
        File.WriteAllText(path, "import os; os.system('touch /tmp/pwn')\n");

        var again = ScriptFiles.Materialize(ScriptFiles.Worker, folder);

        Assert.That(again, Is.EqualTo(path));
        Assert.That(File.ReadAllText(again), Is.EqualTo(ScriptFiles.ReadText(ScriptFiles.Worker)));
    }

    [Test]
    public void The_script_and_its_folder_are_private_to_the_user()
    {
        using var workspace = new Workspace();
        var path = ScriptFiles.Materialize(ScriptFiles.Worker, workspace.PathOf("scripts"));

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(path)!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }
}
