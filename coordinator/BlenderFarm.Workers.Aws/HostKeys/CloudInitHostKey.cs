using System.Text;
using BlenderFarm.Workers.Aws.Farm;

namespace BlenderFarm.Workers.Aws.HostKeys;

/// <summary>
/// A host key made here for one instance and handed to it at launch in cloud-init user data (<c>ssh_deletekeys</c>
/// removes the image's keys, <c>ssh_keys</c> installs this one), so the key is known before the instance boots and
/// login can start the moment sshd answers, minutes before the console output shows any fingerprint. The private key
/// lives only in memory here and in the instance's user data, which the account's principals can read through the API:
/// it is used for this one instance and never again.
/// </summary>
public sealed record CloudInitHostKey(string PublicKeyLine, string UserData)
{
    public static CloudInitHostKey New()
    {
        var (privatePem, publicLine) = FarmKey.NewEd25519("blenderfarm-instance");
        var indented = string.Concat(privatePem.TrimEnd('\n').Split('\n').Select(l => "    " + l + "\n"));
        var cloudConfig = new StringBuilder()
            .Append("#cloud-config\n")
            .Append("ssh_deletekeys: true\n")
            .Append("ssh_genkeytypes: []\n")
            .Append("ssh_keys:\n")
            .Append("  ed25519_private: |\n").Append(indented)
            .Append("  ed25519_public: ").Append(publicLine).Append('\n')
            .ToString();
        return new CloudInitHostKey(publicLine, Convert.ToBase64String(Encoding.UTF8.GetBytes(cloudConfig)));
    }
}
