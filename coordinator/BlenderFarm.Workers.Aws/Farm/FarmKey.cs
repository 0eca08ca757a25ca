using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Utilities;
using Org.BouncyCastle.Security;

namespace BlenderFarm.Workers.Aws.Farm;

/// <summary>
/// A fresh ED25519 key for one farm: the private key in OpenSSH format, readable only by the user, the public key as
/// an OpenSSH line for ImportKeyPair. Generated here, never sent anywhere but the user's own disk.
/// </summary>
public sealed record FarmKey(string PrivateKeyPath, string PublicKeyLine)
{
    public static FarmKey Create(string privateKeyPath, string comment)
    {
        var (privatePem, publicLine) = NewEd25519(comment);
        Directory.CreateDirectory(Path.GetDirectoryName(privateKeyPath)!);
        WritePrivate(privateKeyPath, privatePem);
        File.WriteAllText(privateKeyPath + ".pub", publicLine + "\n");
        return new FarmKey(privateKeyPath, publicLine);
    }

    /// <summary>A fresh ED25519 key: the private key in OpenSSH PEM format and the public key as an OpenSSH line.</summary>
    public static (string PrivatePem, string PublicLine) NewEd25519(string comment)
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var blob = OpenSshPrivateKeyUtilities.EncodePrivateKey(pair.Private);
        var pem = new StringBuilder("-----BEGIN OPENSSH PRIVATE KEY-----\n");
        var base64 = Convert.ToBase64String(blob);
        for (var i = 0; i < base64.Length; i += 70)
        {
            pem.Append(base64.AsSpan(i, Math.Min(70, base64.Length - i))).Append('\n');
        }

        pem.Append("-----END OPENSSH PRIVATE KEY-----\n");
        var publicLine = $"ssh-ed25519 {Convert.ToBase64String(OpenSshPublicKeyUtilities.EncodePublicKey((Ed25519PublicKeyParameters)pair.Public))} {comment}";
        return (pem.ToString(), publicLine);
    }

    /// <summary>The key a farm created earlier (a resumed job reattaching to its instances), or null when it is gone.</summary>
    public static FarmKey? Load(string privateKeyPath) =>
        File.Exists(privateKeyPath) && File.Exists(privateKeyPath + ".pub")
            ? new FarmKey(privateKeyPath, File.ReadAllText(privateKeyPath + ".pub").Trim())
            : null;

    public void Delete()
    {
        File.Delete(PrivateKeyPath);
        File.Delete(PrivateKeyPath + ".pub");
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(path);
        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(content));
    }
}
