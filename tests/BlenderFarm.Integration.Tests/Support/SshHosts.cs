using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace BlenderFarm.Integration.Tests.Support;

/// <summary>
/// Real OpenSSH servers on loopback addresses (127.0.0.x), each with its own host key, authorized_keys and work
/// folder, all trusting one client key. Stands in for a studio's render nodes.
/// </summary>
internal sealed class SshHosts : IDisposable
{
    private static int _nextAddress = 2 + (Environment.ProcessId % 50) * 4;
    private readonly List<Host> _hosts = [];

    private SshHosts(string folder, string clientKey)
    {
        Folder = folder;
        ClientKey = clientKey;
    }

    public string Folder { get; }

    /// <summary>The private key every host accepts (ED25519, no passphrase).</summary>
    public string ClientKey { get; }

    public IReadOnlyList<Host> Hosts => _hosts;

    /// <param name="fakeNvidiaSmi">When set, each host's SSH sessions find an <c>nvidia-smi</c> that prints this (GPUs without a driver).</param>
    /// <param name="hiddenFolder">When set, the hosts do not see this folder (an empty one is mounted over it in their own mount namespace), like machines with storage of their own.</param>
    /// <param name="user">The account the hosts are logged into (see <see cref="TestUsers"/>); this process's own when not given.</param>
    public static SshHosts Start(string folder, int count, string? fakeNvidiaSmi = null, string? hiddenFolder = null, string? user = null)
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            Assert.Ignore("OpenSSH server is not installed (apt-get install openssh-server).");
        }

        Directory.CreateDirectory(folder);
        Directory.CreateDirectory("/run/sshd");
        var clientKey = Path.Combine(folder, "client_ed25519");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "blenderfarm-test", "-f", clientKey);
        var hosts = new SshHosts(folder, clientKey);
        for (var i = 0; i < count; i++)
        {
            hosts._hosts.Add(Host.Start(Path.Combine(folder, $"host{i + 1}"), NextAddress(), File.ReadAllText(clientKey + ".pub"), fakeNvidiaSmi, hiddenFolder: hiddenFolder, user: user));
        }

        return hosts;
    }

    /// <summary>A known_hosts file that lists every host's real key.</summary>
    public string WriteKnownHosts(string path)
    {
        File.WriteAllLines(path, _hosts.Select(h => $"{h.KnownHostsName} {h.PublicKeyLine}"));
        return path;
    }

    /// <summary>A hosts file for blenderfarm naming every host, each with its own work folder.</summary>
    /// <param name="network">When set, every host is on this network (and its authorized_keys file is named, for the peers' keys).</param>
    public string WriteHostsFile(string path, IEnumerable<Host>? only = null, string? blender = null, string? network = null)
    {
        var blenderSetting = blender is null ? "" : $" blender=\"{blender}\"";
        string NetworkSetting(Host h) => network is null ? "" : $" network={network} authorized-keys=\"{h.AuthorizedKeysFile}\"";
        File.WriteAllLines(path, (only ?? _hosts).Select(h => $"{h.User}@{h.Address}:{h.Port} key=\"{ClientKey}\" dir=\"{h.WorkFolder}\"{blenderSetting}{NetworkSetting(h)}"));
        return path;
    }

    /// <summary>
    /// Every host as the coordinator reads it from a hosts file that puts them all on one network, and a host key
    /// policy that knows each host's real key (files written in <paramref name="folder"/>).
    /// </summary>
    public (IReadOnlyList<BlenderFarm.Workers.Ssh.Hosts.HostSpec> Specs, BlenderFarm.Workers.Ssh.Security.HostKeyPolicy Policy) OnOneNetwork(string folder)
    {
        var specs = BlenderFarm.Workers.Ssh.Hosts.HostsFile.Parse(File.ReadAllText(WriteHostsFile(Path.Combine(folder, "hosts.txt"), network: "n")), "hosts.txt", null);
        var policy = new BlenderFarm.Workers.Ssh.Security.HostKeyPolicy([WriteKnownHosts(Path.Combine(folder, "known_hosts"))], Path.Combine(folder, "pinned"), acceptNewHostKeys: false);
        return (specs, policy);
    }

    /// <summary>Starts one more host trusting the same client key, its sessions given <paramref name="environment"/>.</summary>
    public Host AddHost(IReadOnlyDictionary<string, string> environment)
    {
        var host = Host.Start(Path.Combine(Folder, $"host{_hosts.Count + 1}"), NextAddress(), File.ReadAllText(ClientKey + ".pub"), environment: environment);
        _hosts.Add(host);
        return host;
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Kill();
        }
    }

    /// <summary>A loopback address (127.0.0.x) no other host of this test process has been given.</summary>
    internal static string NextAddress() => string.Create(CultureInfo.InvariantCulture, $"127.0.0.{Interlocked.Increment(ref _nextAddress) % 250 + 2}");

    internal static string Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}: {output}");
        return output;
    }

    /// <summary>One sshd: its address, port, keys and work folder.</summary>
    internal sealed class Host
    {
        private Process? _sshd;

        private Host(string folder, string address, int port, string user)
        {
            Folder = folder;
            Address = address;
            Port = port;
            User = user;
        }

        /// <summary>The account sessions on this host run as.</summary>
        public string User { get; }

        public string Folder { get; }

        public string Address { get; }

        public int Port { get; }

        public string WorkFolder => Path.Combine(Folder, "work");

        /// <summary>The file this host's sshd reads the keys it lets in from.</summary>
        public string AuthorizedKeysFile => Path.Combine(Folder, "authorized_keys");

        public string KnownHostsName => string.Create(CultureInfo.InvariantCulture, $"[{Address}]:{Port}");

        /// <summary>"ssh-ed25519 AAAA..." from the host's public key.</summary>
        public string PublicKeyLine => string.Join(' ', File.ReadAllText(Path.Combine(Folder, "ssh_host_ed25519_key.pub")).Split(' ').Take(2));

        public string Name => string.Create(CultureInfo.InvariantCulture, $"{User}@{Address}:{Port}");

        /// <summary>Lets one more client key in.</summary>
        public void Authorize(string publicKeyFile) => File.AppendAllText(Path.Combine(Folder, "authorized_keys"), File.ReadAllText(publicKeyFile));

        /// <param name="port">Where sshd listens on <paramref name="address"/>; a free port when not given.</param>
        /// <param name="environment">Variables sshd sets in every session (one <c>SetEnv</c> line: sshd ignores all but the first).</param>
        /// <param name="user">The account sessions run as; this process's own when not given.</param>
        /// <remarks>A host key already in <paramref name="folder"/> (ssh_host_ed25519_key) is used; otherwise one is made.</remarks>
        internal static Host Start(string folder, string address, string authorizedKey, string? fakeNvidiaSmi = null, int? port = null,
            IReadOnlyDictionary<string, string>? environment = null, string? hiddenFolder = null, string? user = null)
        {
            Directory.CreateDirectory(folder);
            var host = new Host(folder, address, port ?? FreePort(address), user ?? Environment.UserName);
            if (user is not null)
            {
                // sshd reads authorized_keys as the user, and the user's sessions write the work folder.
                TestUsers.LetReach(user, folder);
                Directory.CreateDirectory(host.WorkFolder);
                Run("chown", user, host.WorkFolder);
            }

            if (!File.Exists(Path.Combine(folder, "ssh_host_ed25519_key")))
            {
                Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "ssh_host_ed25519_key"));
            }

            File.WriteAllText(Path.Combine(folder, "authorized_keys"), authorizedKey);
            if (user is not null)
            {
                // This process's umask may be 077 (the coordinator's, set by tests that run it in-process).
                File.SetUnixFileMode(Path.Combine(folder, "authorized_keys"), (UnixFileMode)0b110_100_100);
            }
            var config = Path.Combine(folder, "sshd_config");
            var setEnv = new List<string>();
            if (fakeNvidiaSmi is not null)
            {
                var bin = Path.Combine(folder, "bin");
                Directory.CreateDirectory(bin);
                var tool = Path.Combine(bin, "nvidia-smi");
                File.WriteAllText(tool, "#!/bin/sh\ncat <<'CSV'\n" + fakeNvidiaSmi.TrimEnd('\n') + "\nCSV\n");
                File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                setEnv.Add($"PATH={bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            }

            setEnv.AddRange((environment ?? new Dictionary<string, string>()).Select(e => $"{e.Key}={e.Value}"));
            File.WriteAllLines(config,
            [
                .. setEnv.Count > 0 ? [$"SetEnv {string.Join(' ', setEnv)}"] : Array.Empty<string>(),
                $"ListenAddress {address}:{host.Port}",
                $"HostKey {Path.Combine(folder, "ssh_host_ed25519_key")}",
                $"PidFile {Path.Combine(folder, "sshd.pid")}",
                $"AuthorizedKeysFile {Path.Combine(folder, "authorized_keys")}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password",
                "StrictModes no",
                "UsePAM no",
                "MaxSessions 64",
                "MaxStartups 64",
                "Subsystem sftp internal-sftp",
                "LogLevel ERROR",
            ]);
            host.Launch(config, hiddenFolder);
            return host;
        }

        private readonly Lock _killGate = new();

        /// <summary>Kills the host's sshd and everything it started (sessions, shells, Blender): the machine is gone.</summary>
        public void Kill()
        {
            // The fake EC2 may end an instance from its terminate path and from Dispose at the same moment.
            lock (_killGate)
            {
                if (_sshd is null)
                {
                    return;
                }

                foreach (var pid in Descendants(_sshd.Id).Prepend(_sshd.Id))
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill();
                    }
                    catch (ArgumentException)
                    {
                        // already gone
                    }
                    catch (InvalidOperationException)
                    {
                        // already gone
                    }
                }

                _sshd.WaitForExit();
                _sshd.Dispose();
                _sshd = null;
            }
        }

        /// <summary>
        /// SIGSTOPs every sshd process of this host (the listener and each session's): a host that hangs instead of
        /// dying. TCP still accepts, nothing answers. <see cref="Kill"/> ends the stopped processes too.
        /// </summary>
        public void Freeze()
        {
            var sshd = _sshd ?? throw new InvalidOperationException("the host is not running");
            foreach (var pid in Descendants(sshd.Id).Prepend(sshd.Id).Where(IsSshd))
            {
                Run("kill", "-STOP", pid.ToString(CultureInfo.InvariantCulture));
            }
        }

        private static bool IsSshd(int pid)
        {
            try
            {
                return File.ReadAllText($"/proc/{pid}/comm").Trim() == "sshd";
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>Mounts an empty folder over $1, and over $1 inside each chroot given after $2 (the chroots of the
        /// blender-X.Y wrappers see /tmp through a mount of their own), then becomes sshd with config $2.</summary>
        private const string HideAndServe = "hidden=$1 config=$2; shift 2; mount -t tmpfs -o mode=0700 blenderfarm-hidden \"$hidden\" || exit 1; "
            + "for root in \"$@\"; do if [ -d \"$root$hidden\" ]; then mount -t tmpfs -o mode=0700 blenderfarm-hidden \"$root$hidden\" || exit 1; fi; done; "
            + "exec /usr/sbin/sshd -D -e -f \"$config\"";

        private static IEnumerable<string> HiddenChroots() =>
            Blenders.Executables().Select(Blenders.ChrootOf).OfType<string>().Distinct(StringComparer.Ordinal);

        private void Launch(string config, string? hiddenFolder = null)
        {
            // unshare and sh exec into sshd: the process started is sshd itself, so Kill and Freeze find it as before.
            _sshd = Process.Start(hiddenFolder is null
                ? new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]) { RedirectStandardError = true, UseShellExecute = false }
                : new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", HideAndServe, "sh", hiddenFolder, config, .. HiddenChroots()])
                {
                    RedirectStandardError = true,
                    UseShellExecute = false,
                })!;
            _sshd.ErrorDataReceived += (_, _) => { };
            _sshd.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    using var probe = new TcpClient();
                    probe.Connect(Address, Port);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline && !_sshd.HasExited)
                {
                    Thread.Sleep(50);
                }
            }
        }

        /// <summary>A TCP port nothing listens on at <paramref name="address"/> right now.</summary>
        internal static int FreePort(string address)
        {
            var listener = new TcpListener(System.Net.IPAddress.Parse(address), 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static List<int> Descendants(int root)
        {
            var parents = new Dictionary<int, int>();
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    try
                    {
                        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                        parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    }
                    catch (IOException)
                    {
                        // exited meanwhile
                    }
                }
            }

            var found = new List<int>();
            var frontier = new Queue<int>([root]);
            while (frontier.Count > 0)
            {
                var parent = frontier.Dequeue();
                foreach (var (pid, ppid) in parents.Where(p => p.Value == parent))
                {
                    found.Add(pid);
                    frontier.Enqueue(pid);
                }
            }

            return found;
        }
    }
}
