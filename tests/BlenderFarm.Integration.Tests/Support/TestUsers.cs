namespace BlenderFarm.Integration.Tests.Support;

/// <summary>
/// Local accounts whose login shell is not a POSIX shell (fish, tcsh, zsh), for SSH hosts that log into them.
/// Creating them needs root, as CI runs; elsewhere the tests that need them are skipped, never passed.
/// </summary>
internal static class TestUsers
{
    private static readonly Lock Gate = new();

    /// <summary>The account <c>bf-SHELL</c> with <paramref name="shell"/> (e.g. /usr/bin/fish) as its login shell, created if missing.</summary>
    public static string WithLoginShell(string shell)
    {
        var user = "bf-" + Path.GetFileName(shell);
        if (!File.Exists(shell))
        {
            Unavailable($"{shell} is not installed (apt-get install {Path.GetFileName(shell)}).");
        }

        lock (Gate)
        {
            var entry = File.ReadAllLines("/etc/passwd").FirstOrDefault(l => l.StartsWith(user + ":", StringComparison.Ordinal));
            var isRoot = Environment.UserName == "root";
            if (entry is not null && entry.Split(':')[^1] == shell && (!isRoot || !IsLocked(user)))
            {
                return user;
            }

            if (!isRoot)
            {
                Unavailable($"creating the account {user} with login shell {shell} needs root.");
            }

            // Password '*': none works, but the account is not locked ('!'), which sshd refuses even for keys.
            if (entry is null)
            {
                SshHosts.Run("useradd", "--create-home", "--comment", "BlenderFarm test host user", "--shell", shell, "--password", "*", user);
            }
            else
            {
                SshHosts.Run("usermod", "--shell", shell, "--password", "*", user);
            }

            return user;
        }
    }

    private static bool IsLocked(string user) =>
        File.ReadAllLines("/etc/shadow").Select(l => l.Split(':')).Any(f => f[0] == user && f[1].StartsWith('!'));

    /// <summary>The home folder of <paramref name="user"/>, from /etc/passwd.</summary>
    public static string HomeOf(string user) =>
        File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == user)[5];

    /// <summary>Lets <paramref name="user"/> pass through every folder above <paramref name="folder"/> and read it.</summary>
    public static void LetReach(string user, string folder)
    {
        ArgumentNullException.ThrowIfNull(user);
        for (var dir = Path.GetFullPath(folder); dir != "/" && !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir)!)
        {
            var mode = File.GetUnixFileMode(dir);
            File.SetUnixFileMode(dir, mode | UnixFileMode.OtherExecute | (dir == Path.GetFullPath(folder) ? UnixFileMode.OtherRead : 0));
            if (dir == Path.GetTempPath().TrimEnd('/'))
            {
                break;
            }
        }
    }

    private static void Unavailable(string why)
    {
        // CI has every prerequisite (build.sh test_deps, run as root): there a missing one is a failure, not a skip.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(why);
        }

        Assert.Ignore(why);
    }
}
