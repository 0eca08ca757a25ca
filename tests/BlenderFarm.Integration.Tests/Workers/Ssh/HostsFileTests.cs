using BlenderFarm.Workers.Ssh.Hosts;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

public sealed class HostsFileTests
{
    [Test]
    public void Reads_hosts_with_settings_comments_and_quoted_values()
    {
        var hosts = HostsFile.Parse("""
            # render nodes
            render@gpu1   key=/keys/farm_ed25519 blender=/opt/blender/blender slots=2
            render@10.0.0.7:2222 key="/keys/my key" passphrase-env=FARM_PASS dir="/scratch/b f"   # second
            [::1]:2200
            """, "hosts.txt", defaultIdentity: "/keys/default");

        Assert.That(hosts, Has.Count.EqualTo(3));
        Assert.That(hosts[0], Is.EqualTo(new HostSpec("render", "gpu1", 22, "/keys/farm_ed25519", null, "/opt/blender/blender", 2, null)));
        Assert.That(hosts[1], Is.EqualTo(new HostSpec("render", "10.0.0.7", 2222, "/keys/my key", "FARM_PASS", "blender", null, "/scratch/b f")));
        Assert.That(hosts[2].Host, Is.EqualTo("::1"));
        Assert.That(hosts[2].Port, Is.EqualTo(2200));
        Assert.That(hosts[2].IdentityFile, Is.EqualTo("/keys/default"));
        Assert.That(hosts[1].Name, Is.EqualTo("render@10.0.0.7:2222"));
        Assert.That(hosts[1].KnownHostsName, Is.EqualTo("[10.0.0.7]:2222"));
        Assert.That(hosts[0].KnownHostsName, Is.EqualTo("gpu1"));
    }

    [Test]
    public void Reads_the_network_a_host_shares_where_its_peers_reach_it_and_its_authorized_keys_file()
    {
        var hosts = HostsFile.Parse("""
            render@10.0.0.7 network=studio peer-address=192.168.1.7:2222 authorized-keys="/etc/ssh/keys/render"
            render@10.0.0.8 network=studio peer-address=[fd00::8]
            render@gpu9
            """, "hosts.txt", defaultIdentity: null);

        Assert.That(hosts.Select(h => h.Network), Is.EqualTo(new[] { "studio", "studio", null }));
        Assert.That(hosts.Select(h => h.PeerAddress), Is.EqualTo(new (string, int)?[] { ("192.168.1.7", 2222), ("fd00::8", 22), null }));
        Assert.That(hosts.Select(h => h.AuthorizedKeysFile), Is.EqualTo(new[] { "/etc/ssh/keys/render", "~/.ssh/authorized_keys", "~/.ssh/authorized_keys" }));
    }

    [TestCase("render@gpu1 peer-address=me@gpu1", "hosts.txt line 1: peer-address takes host[:port], not 'me@gpu1'.")]
    [TestCase("render@gpu1 peer-address=gpu1:0", "hosts.txt line 1: 'gpu1:0' has no valid port.")]
    [TestCase("render@gpu1 colour=red", "hosts.txt line 1: unknown setting 'colour'")]
    [TestCase("render@gpu1 slots=0", "hosts.txt line 1: slots takes a number from 1 to 64, not '0'.")]
    [TestCase("render@gpu1:99999", "hosts.txt line 1: 'render@gpu1:99999' has no valid port.")]
    [TestCase("render@gpu1 key=\"/unclosed", "hosts.txt line 1: a double quote is not closed.")]
    [TestCase("render@gpu1 justaword", "hosts.txt line 1: 'justaword' is not a key=value setting.")]
    [TestCase("# nothing\n\n", "hosts.txt names no hosts.")]
    public void Says_which_line_is_wrong(string text, string message) =>
        Assert.That(() => HostsFile.Parse(text, "hosts.txt", null), Throws.InstanceOf<FormatException>().With.Message.StartsWith(message));
}
