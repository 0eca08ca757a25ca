namespace BlenderFarm.Coordinator.Cli;

/// <summary>
/// A parsed command line: the verb, positional arguments, and <c>--name value</c> / <c>--name=value</c> options.
/// Each verb declares the options it takes; anything else is refused with one sentence.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string?>> _options;

    private CommandLine(string verb, IReadOnlyList<string> positional, Dictionary<string, List<string?>> options)
    {
        Verb = verb;
        Positional = positional;
        _options = options;
    }

    /// <summary>For verbs that take no options of one kind.</summary>
    public static IReadOnlySet<string> NoOptions { get; } = new HashSet<string>();

    public string Verb { get; }

    public IReadOnlyList<string> Positional { get; }

    /// <param name="valueOptions">Options that take a value, without the leading dashes.</param>
    /// <param name="flagOptions">Options that take no value.</param>
    public static CommandLine Parse(string verb, IReadOnlyList<string> arguments, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(valueOptions);
        ArgumentNullException.ThrowIfNull(flagOptions);
        var positional = new List<string>();
        var options = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument == "--")
            {
                positional.Add(argument);
                continue;
            }

            var name = argument[2..];
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (flagOptions.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"--{name} takes no value.");
                }
            }
            else if (valueOptions.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= arguments.Count)
                    {
                        throw new UsageException($"--{name} needs a value.");
                    }

                    value = arguments[++i];
                }
            }
            else
            {
                throw new UsageException($"'blenderfarm {verb}' has no option --{name}; 'blenderfarm help' lists the options.");
            }

            if (!options.TryGetValue(name, out var values))
            {
                options[name] = values = [];
            }

            values.Add(value);
        }

        return new CommandLine(verb, positional, options);
    }

    /// <summary>The option's value (the last, if given more than once), or null.</summary>
    public string? Value(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    /// <summary>Every value of an option that may be repeated, in order.</summary>
    public IReadOnlyList<string> Values(string name) => _options.TryGetValue(name, out var values) ? [.. values.OfType<string>()] : [];

    public bool Flag(string name) => _options.ContainsKey(name);

    public string? Single(string what, bool required)
    {
        if (Positional.Count > 1)
        {
            throw new UsageException($"'blenderfarm {Verb}' takes one {what}, not {Positional.Count}.");
        }

        if (Positional.Count == 0 && required)
        {
            throw new UsageException($"'blenderfarm {Verb}' needs a {what}.");
        }

        return Positional.Count == 1 ? Positional[0] : null;
    }
}

/// <summary>The command line is wrong; the message says how, in one sentence.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
    public UsageException() { }
    public UsageException(string message, Exception inner) : base(message, inner) { }
}
