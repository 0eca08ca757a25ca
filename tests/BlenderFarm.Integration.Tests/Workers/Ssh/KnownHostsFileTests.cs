using System.Security.Cryptography;
using System.Text;
using BlenderFarm.Integration.Tests.Support;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

public sealed class KnownHostsFileTests
{
    private static readonly byte[] Key = [0, 0, 0, 11, .. "ssh-ed25519"u8, 0, 0, 0, 32, .. new byte[32]];

    [Test]
    public void A_pinned_key_leaves_the_pin_file_readable_by_the_user_only_even_when_it_was_looser()
    {
        using var workspace = new Workspace();
        var pinned = workspace.PathOf("known_hosts");
        File.WriteAllText(pinned, "");
        File.SetUnixFileMode(pinned, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var policy = new HostKeyPolicy([], pinned, acceptNewHostKeys: true);

        Assert.That(policy.Check("farm1", "farm1", Key), Is.Null);

        Assert.That(File.GetUnixFileMode(pinned), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(policy.Check("farm1", "farm1", Key), Is.Null, "the pinned key is trusted next time");
    }

    [Test]
    public void A_hashed_entry_matches_the_host_name_in_any_case_as_OpenSSH_lowercases_it()
    {
        using var workspace = new Workspace();
        var file = workspace.PathOf("known_hosts");
        var salt = RandomNumberGenerator.GetBytes(20);
        var hashed = $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("render-box.local")))}";
        File.WriteAllText(file, $"{hashed} ssh-ed25519 {Convert.ToBase64String(Key)}\n");

        var (keys, _) = KnownHosts.Load([file]).Lookup("Render-Box.LOCAL");

        Assert.That(keys, Has.Count.EqualTo(1));
    }
}
