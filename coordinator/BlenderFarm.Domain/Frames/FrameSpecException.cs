namespace BlenderFarm.Domain.Frames;

/// <summary>A frame list the user wrote that cannot be rendered; the message is one sentence for the user.</summary>
public sealed class FrameSpecException : Exception
{
    public FrameSpecException(string message) : base(message) { }
    public FrameSpecException() { }
    public FrameSpecException(string message, Exception inner) : base(message, inner) { }
}
