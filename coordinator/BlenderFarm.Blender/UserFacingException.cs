namespace BlenderFarm.Blender;

/// <summary>A problem the user can fix; the message is one sentence that says what and how.</summary>
public sealed class UserFacingException : Exception
{
    public UserFacingException(string message) : base(message) { }
    public UserFacingException() { }
    public UserFacingException(string message, Exception inner) : base(message, inner) { }
}
