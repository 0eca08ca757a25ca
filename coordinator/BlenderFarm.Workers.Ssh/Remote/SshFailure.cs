namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>A host cannot be used: unreachable, wrong host key, refused key, no Blender. The message is one sentence.</summary>
public sealed class SshFailure : Exception
{
    public SshFailure(string message) : base(message) { }
    public SshFailure() { }
    public SshFailure(string message, Exception inner) : base(message, inner) { }
}
