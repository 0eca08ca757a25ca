namespace BlenderFarm.Workers.Aws.HostKeys;

/// <summary>An instance that must not be used (its host key does not match, or cannot be checked); it is terminated.</summary>
public sealed class InstanceRefusedException : Exception
{
    public InstanceRefusedException(string message) : base(message) { }
    public InstanceRefusedException() { }
    public InstanceRefusedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An instance whose SSH does not answer (yet); booting instances are retried until their boot timeout.</summary>
public sealed class InstanceUnreachableException : Exception
{
    public InstanceUnreachableException(string message) : base(message) { }
    public InstanceUnreachableException() { }
    public InstanceUnreachableException(string message, Exception inner) : base(message, inner) { }
}
