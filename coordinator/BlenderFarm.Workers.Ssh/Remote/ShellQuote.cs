namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>Builds POSIX shell command lines that pass any string through unchanged: spaces, quotes, $, backticks, unicode.</summary>
public static class ShellQuote
{
    /// <summary>One argument in single quotes; a single quote inside becomes <c>'\''</c>.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A shell argument cannot hold a NUL character.", nameof(value));
        }

        return "'" + value.Replace("'", @"'\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>A command line of quoted arguments.</summary>
    public static string Join(IEnumerable<string> arguments) => string.Join(' ', arguments.Select(Quote));
}
