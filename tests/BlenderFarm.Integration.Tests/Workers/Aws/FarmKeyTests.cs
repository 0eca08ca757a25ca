using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Aws.Farm;
using Renci.SshNet;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>The farm's generated key: usable by SSH.NET and OpenSSH, private part readable only by the user.</summary>
public sealed class FarmKeyTests
{
    [Test]
    public void The_private_key_loads_in_SSH_NET_and_is_readable_only_by_the_user()
    {
        using var workspace = new Workspace();
        var path = workspace.PathOf("aws", "job", "id_ed25519");

        var key = FarmKey.Create(path, "blenderfarm-job");

        using var loaded = new PrivateKeyFile(path);
        Assert.That(loaded.Key.ToString(), Is.EqualTo("ssh-ed25519"));
        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(key.PublicKeyLine, Does.Match("^ssh-ed25519 [A-Za-z0-9+/]{68} blenderfarm-job$"));
        Assert.That(FarmKey.Load(path), Is.EqualTo(key), "a resumed job finds the same key");
    }

    [Test]
    public void OpenSSH_accepts_both_halves_and_they_are_one_key()
    {
        using var workspace = new Workspace();
        var path = workspace.PathOf("aws", "job", "id_ed25519");
        var key = FarmKey.Create(path, "blenderfarm-job");

        var listed = SshHosts.Run("ssh-keygen", "-lf", path + ".pub");
        var derived = SshHosts.Run("ssh-keygen", "-y", "-f", path);

        Assert.That(listed, Does.Match(@"^256 SHA256:\S+ blenderfarm-job \(ED25519\)"));
        Assert.That(derived.Trim().Split(' ').Take(2), Is.EqualTo(key.PublicKeyLine.Split(' ').Take(2)), "ssh-keygen derives the same public key from the private one");
    }

    [Test]
    public void Delete_removes_both_files()
    {
        using var workspace = new Workspace();
        var path = workspace.PathOf("aws", "job", "id_ed25519");
        FarmKey.Create(path, "c").Delete();

        Assert.That(File.Exists(path) || File.Exists(path + ".pub"), Is.False);
        Assert.That(FarmKey.Load(path), Is.Null);
    }
}
