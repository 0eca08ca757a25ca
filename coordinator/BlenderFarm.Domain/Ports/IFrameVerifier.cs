namespace BlenderFarm.Domain.Ports;

/// <summary>Decides whether a frame file on this machine is complete, decodes, and has the job's format and size.</summary>
public interface IFrameVerifier
{
    FrameVerification Verify(string path);
}

public sealed record FrameVerification(bool Ok, long Bytes, string? Problem);
