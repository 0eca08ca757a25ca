using System.Security.Cryptography;
using BlenderFarm.Blender;
using BlenderFarm.Domain.Ports;
using BlenderFarm.Workers.Ssh.Bootstrap;
using BlenderFarm.Workers.Ssh.Hosts;
using BlenderFarm.Workers.Ssh.Remote;
using BlenderFarm.Workers.Ssh.Security;

namespace BlenderFarm.Workers.Aws.Storage;

/// <summary>A rendered frame on its way back, in S3 under a key of its own, with what its Blender said it wrote.</summary>
/// <param name="UploadProblem">Why the instance did not confirm the upload (its connection was lost); null when it did.</param>
public sealed record FrameInS3(int Frame, string Key, long Bytes, string Sha256, string? UploadProblem);

/// <summary>
/// Rendered frames come back from a spot instance through S3. The instance PUTs each frame to a presigned URL made
/// for that frame alone (its exact key, valid for <see cref="StorageOptions.FrameUrlLifetime"/>; no credentials on
/// the instance), then the coordinator downloads it and checks its size and SHA-256 against what the instance's
/// Blender reported; the job's own check (the image decodes) follows. Once the PUT has landed the frame no longer
/// needs its instance: an interruption or a lost connection after that point loses nothing. One per slot.
/// </summary>
public sealed class FrameReturn(ContentStore store, HostSpec host, HostKeyPolicy hostKeys) : IDisposable
{
    /// <summary>Bound on one upload; curl also gives up once it moves under 1 KB/s for 30 s.</summary>
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(15);

    // $1: the frame on the instance, $2: its PUT URL. The frame is removed from the instance once S3 has it.
    private const string Send = """
        f=$1; u=$2; a="$f.s3answer"
        command -v curl >/dev/null || { echo 'curl is not installed on the instance' >&2; exit 1; }
        code=$(curl -sS --connect-timeout 10 --speed-limit 1024 --speed-time 30 --retry 3 -T "$f" -o "$a" -w '%{http_code}' "$u" 2>"$a.err") || { echo "S3 could not be reached: $(tail -n 1 "$a.err")" >&2; rm -f "$a" "$a.err"; exit 1; }
        rm -f "$a.err"
        if [ "$code" != 200 ]; then echo "S3 answered HTTP $code $(tr -d '\n' < "$a" | sed -n 's:.*<Code>\([^<]*\)</Code>.*<Message>\([^<]*\)</Message>.*:\1 (\2):p')" >&2; rm -f "$a"; exit 1; fi
        rm -f "$a" "$f"
        """;

    private SshConnection? _connection;

    /// <summary>
    /// Has the instance PUT the frame. S3 refusing it (a bucket policy, an expired URL) is an <see cref="IOException"/>
    /// with S3's code and message; a connection lost meanwhile is not: the frame may have landed, and
    /// <see cref="ReceiveAsync"/> finds out.
    /// </summary>
    public async Task<FrameInS3> SendAsync(FrameWritten written, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        var name = Path.GetFileName(written.WorkerPath);
        if (written.Bytes is not { } bytes || written.Sha256 is not { } sha256)
        {
            throw new IOException($"{host.Name} reported no size and SHA-256 for {name}");
        }

        var frame = new FrameInS3(written.Frame, $"{StoreBucket.FramesPrefix}{Guid.NewGuid():N}/{name}", bytes, sha256, null);
        var url = store.PresignPut(frame.Key);
        try
        {
            _connection ??= await SshConnection.ConnectAsync(host, hostKeys, cancellationToken).ConfigureAwait(false);
            var script = $"sh -c {ShellQuote.Quote(Send)} send {HostProbe.RemotePath(written.WorkerPath)} {ShellQuote.Quote(url.AbsoluteUri)}";
            var (code, _, error) = await _connection.RunAsync(script, UploadTimeout, cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                var reason = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {code}";
                throw new IOException($"{host.Name} could not send {name} to S3 bucket {store.Bucket}: {reason}");
            }

            return frame;
        }
        catch (SshFailure lost)
        {
            Dispose();
            return frame with { UploadProblem = lost.Message };
        }
    }

    /// <summary>Downloads the frame from S3, checks it against what the instance reported, then removes it from the bucket.</summary>
    public async Task ReceiveAsync(FrameInS3 frame, string localPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(localPath))!);
        bool found;
        try
        {
            found = await store.TryDownloadAsync(frame.Key, localPath, cancellationToken).ConfigureAwait(false);
        }
        catch (UserFacingException e)
        {
            throw new IOException(e.Message, e);
        }

        if (!found)
        {
            throw new IOException($"frame {frame.Frame} never reached S3 bucket {store.Bucket}: {frame.UploadProblem ?? "the instance's upload did not land"}");
        }

        string actual;
        await using (var file = File.OpenRead(localPath))
        {
            actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }

        if (new FileInfo(localPath).Length != frame.Bytes || !string.Equals(actual, frame.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(localPath);
            throw new IOException($"the copy of frame {frame.Frame} from S3 does not match what {host.Name} rendered (size or SHA-256)");
        }

        await store.DeleteAsync(frame.Key, CancellationToken.None).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
    }
}
