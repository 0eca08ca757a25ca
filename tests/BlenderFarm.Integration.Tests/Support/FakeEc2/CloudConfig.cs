namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>
/// The part of cloud-init's <c>cc_ssh</c> module the fake instances play: a <c>#cloud-config</c> user data with
/// <c>ssh_keys: ed25519_private / ed25519_public</c> becomes the machine's host key (<c>ssh_deletekeys</c>: no other).
/// </summary>
internal static class CloudConfig
{
    public static void InstallHostKeys(string userData, string folder)
    {
        var lines = userData.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].Trim() != "#cloud-config")
        {
            return;
        }

        string? privateKey = null;
        string? publicKey = null;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] == "  ed25519_private: |")
            {
                var block = lines.Skip(i + 1).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l[4..]);
                privateKey = string.Join('\n', block) + "\n";
            }
            else if (lines[i].StartsWith("  ed25519_public: ", StringComparison.Ordinal))
            {
                publicKey = lines[i]["  ed25519_public: ".Length..].Trim() + "\n";
            }
        }

        if (privateKey is null || publicKey is null)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "ssh_host_ed25519_key");
        File.WriteAllText(path, privateKey);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(path + ".pub", publicKey);
    }
}
