using System.Text;

namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>
/// How a script reaches a host without passing through the user's login shell. sshd hands every command to that
/// shell (<c>$SHELL -c COMMAND</c>), and fish, csh/tcsh or a customised zsh parse quotes their own way: under fish,
/// <c>'\''</c> does not close a quote, and tcsh refuses a newline inside one. So the command is always the same
/// constant that every shell reads alike, <see cref="Command"/>, and the script travels on its stdin, read by
/// <c>/bin/sh</c>.
/// </summary>
public static class RemoteScript
{
    /// <summary>The one command line ever sent to a login shell.</summary>
    public const string Command = "exec /bin/sh -s";

    /// <summary>
    /// A script run to its end before stdin closes: a brace group, so the shell reads all of it before running any
    /// of it, with stdin from /dev/null so no command inside (a user's mount command) can eat the script's rest.
    /// </summary>
    public static byte[] Whole(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return Encoding.UTF8.GetBytes("{\n" + script.TrimEnd('\n') + "\n} </dev/null\n");
    }

    /// <summary>
    /// The head of a long-running session's stdin: a script that ends by exec-ing a program (Blender) that reads the
    /// rest. The coordinator writes nothing more until that program has said it is ready, so the shell, which may
    /// read ahead, cannot have taken any of the program's input.
    /// </summary>
    public static byte[] Leading(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        return Encoding.UTF8.GetBytes(script.TrimEnd('\n') + "\n");
    }

    /// <summary>A path as a command's argument: a relative one starting with '-' becomes <c>./-…</c>, so no program takes it for an option.</summary>
    public static string Unoptioned(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.StartsWith('-') ? "./" + path : path;
    }

    /// <summary><see cref="Unoptioned"/>, quoted for the script.</summary>
    public static string Path(string path) => ShellQuote.Quote(Unoptioned(path));
}
