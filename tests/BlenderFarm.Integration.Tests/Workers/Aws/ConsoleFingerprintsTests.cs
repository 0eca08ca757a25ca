using System.Security.Cryptography;
using BlenderFarm.Workers.Aws.HostKeys;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>Host key fingerprints read from real-looking cloud-init console output.</summary>
public sealed class ConsoleFingerprintsTests
{
    // An ED25519 public key blob (any bytes hash the same way; these are a real key's).
    private const string KeyBase64 = "AAAAC3NzaC1lZDI1NTE5AAAAIHb2Xq5o4l8p3OLBW1OZPmtyFO8IE7mYHXmC0C0n8ksp";

    private static string Fingerprint(string base64) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(base64))).TrimEnd('=');

    [Test]
    public void Fingerprints_behind_ec2_prefixes_and_kernel_timestamps_are_found()
    {
        var rsa = "SHA256:" + new string('A', 42) + "E";
        var ed = "SHA256:" + new string('b', 42) + "Q";
        var text = $"""
            [    0.000000] Linux version 6.5.0-1017-aws (buildd@lcy02-amd64-012)
            [   14.918273] cloud-init[1034]: Cloud-init v. 23.3.3 running 'modules:final' at Tue, 24 Nov 2026 23:00:00 +0000. Up 14.80 seconds.
            [   15.100000] cloud-init[1034]: ci-info: no authorized SSH keys fingerprints found for user ubuntu.
            <14>Nov 24 23:00:01 ec2: 
            ec2: #############################################################
            [   15.200001] ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
            [   15.200002] ec2: 3072 {rsa} root@ip-172-31-5-9 (RSA)
            [   15.200003] ec2: 256 {ed} root@ip-172-31-5-9 (ED25519)
            [   15.200004] ec2: -----END SSH HOST KEY FINGERPRINTS-----
            ec2: #############################################################
            """;

        Assert.That(ConsoleFingerprints.Parse(text), Is.EquivalentTo(new[] { rsa, ed }));
    }

    [Test]
    public void Keys_block_yields_the_fingerprint_of_each_key()
    {
        var text = "[   15.3] cloud-init[1034]: something\r\n-----BEGIN SSH HOST KEY KEYS-----\r\n"
                   + $"ssh-ed25519 {KeyBase64} root@ip-172-31-5-9\r\n-----END SSH HOST KEY KEYS-----\r\n";

        Assert.That(ConsoleFingerprints.Parse(text), Is.EquivalentTo(new[] { Fingerprint(KeyBase64) }));
    }

    [Test]
    public void Lines_outside_the_blocks_are_ignored()
    {
        var outside = "SHA256:" + new string('c', 42) + "Q";
        var text = $"cloud-init: {outside}\nec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nec2: -----END SSH HOST KEY FINGERPRINTS-----\nssh-ed25519 {KeyBase64} x\n";

        Assert.That(ConsoleFingerprints.Parse(text), Is.Empty);
    }

    [Test]
    public void Console_before_cloud_init_printed_the_keys_gives_nothing()
    {
        Assert.That(ConsoleFingerprints.Parse(""), Is.Empty);
        Assert.That(ConsoleFingerprints.Parse("[    0.000000] Linux version 6.5.0-1017-aws\n[    1.2] systemd[1]: Starting cloud-init...\n"), Is.Empty);
        Assert.That(ConsoleFingerprints.Parse("ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\n"), Is.Empty, "the block has begun but no line is printed yet");
    }
}
