namespace BlenderFarm.Domain.Ports;

/// <summary>A slot's Blender or host is gone mid-work. The message says why, in one sentence.</summary>
public sealed class SlotLostException : Exception
{
    public SlotLostException(string message) : base(message) { }
    public SlotLostException() { }
    public SlotLostException(string message, Exception inner) : base(message, inner) { }
}
