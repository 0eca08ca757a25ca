namespace BlenderFarm.Blender.Discovery;

/// <summary>A quick look at a file's first bytes, so that a wrong file gets a clear sentence before Blender starts.</summary>
public static class BlendFileCheck
{
    public static string EnsureLooksLikeBlend(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UserFacingException($"{path} is a folder, not a .blend file.");
        }

        if (!File.Exists(full))
        {
            throw new UserFacingException($"{path} does not exist.");
        }

        Span<byte> head = stackalloc byte[7];
        int read;
        try
        {
            using var stream = File.OpenRead(full);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserFacingException($"{path} cannot be read: {e.Message}", e);
        }

        var plain = read == 7 && head.SequenceEqual("BLENDER"u8);
        var gzip = read >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        var zstd = read >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd;
        if (!plain && !gzip && !zstd)
        {
            throw new UserFacingException(read == 0
                ? $"{path} is empty, not a .blend file."
                : $"{path} is not a .blend file (it does not start like one).");
        }

        return full;
    }
}
