using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>
/// A stand-in for S3 on 127.0.0.1, path-style (<c>/BUCKET/KEY</c>), for <c>AmazonS3Client</c> with <c>ServiceURL</c>
/// pointed at it and for <c>curl</c> with presigned URLs. Every request is identified and checked against AWS's S3 model
/// (<see cref="S3Model"/>), its SigV4 signature verified (<see cref="SigV4"/>: the SDK's header or a presigned URL's
/// query, with expiry on the fake's own clock), its body checked against the SHA-256 and checksums it was signed with.
/// It counts the bytes each side sent so benchmarks can say what left the artist's machine.
/// </summary>
internal sealed partial class FakeS3 : IDisposable
{
    private const long MaxBody = 256L * 1024 * 1024;
    private readonly HttpListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly List<string> _refused = [];
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly HashSet<string> _denied = new(StringComparer.Ordinal);
    private TimeSpan _clockOffset;
    private long _bytesFromSdk;
    private long _bytesToPresigned;
    private long _bytesFromPresigned;
    private int _partsInFlight;
    private int _maxPartsInFlight;
    private int _holdPartsUntil;
    private TaskCompletionSource _partsTogether = CompletedGate();

    private FakeS3()
    {
        var port = SshHosts.Host.FreePort("127.0.0.1");
        ServiceUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        _listener.Prefixes.Add(ServiceUrl.ToString());
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri ServiceUrl { get; }

    /// <summary>The same keys as the fake EC2: both stand for one AWS account.</summary>
    public string AccessKey { get; init; } = "AKIAFAKEEC2BLENDERFM";

    public string SecretKey { get; init; } = "fake/secret/key/for/the/loopback/ec2/0000";

    public string Region { get; init; } = "us-east-1";

    /// <summary>Bytes of object bodies the SDK (the coordinator, on the artist's machine) sent: PutObject and UploadPart.</summary>
    public long BytesFromSdk => Interlocked.Read(ref _bytesFromSdk);

    /// <summary>Bytes served through presigned GET URLs (instances fetching job files, inside AWS).</summary>
    public long BytesToPresigned => Interlocked.Read(ref _bytesToPresigned);

    /// <summary>Bytes received through presigned PUT URLs.</summary>
    public long BytesFromPresigned => Interlocked.Read(ref _bytesFromPresigned);

    /// <summary>
    /// Holds every UploadPart request (before reading its body) until <paramref name="count"/> are in flight at once,
    /// or 30 s passed: a client that sends parts one at a time then shows <see cref="MaxConcurrentParts"/> 1 whatever
    /// the machine's load, and one that sends them in parallel shows <paramref name="count"/> without racing the clock.
    /// </summary>
    public void HoldPartsUntilInFlight(int count)
    {
        Volatile.Write(ref _holdPartsUntil, count);
        Volatile.Write(ref _partsTogether, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    /// <summary>
    /// Runs with the key of each object stored through a presigned PUT, after it is stored and before the client hears
    /// S3's answer: the moment to take the uploading machine away.
    /// </summary>
    public Action<string>? AfterPresignedPut { get; set; }

    /// <summary>The most UploadPart requests the fake was receiving at one time.</summary>
    public int MaxConcurrentParts => Volatile.Read(ref _maxPartsInFlight);

    /// <summary>The operation of every request that reached the fake ("GetObject (presigned)" for URLs), refused ones included.</summary>
    public IReadOnlyList<string> Calls => Snapshot(() => _calls);

    /// <summary>"Operation: Code: message" of every refused request (answers that something does not exist left out).</summary>
    public IReadOnlyList<string> RefusedRequests => Snapshot(() => _refused);

    public static FakeS3 Start()
    {
        _ = S3Model.Instance;
        return new FakeS3();
    }

    /// <summary>
    /// From now on <paramref name="operation"/> is denied (403 AccessDenied), as by a bucket policy; "presigned" denies
    /// every presigned URL, "PutObject (presigned)" only presigned PUTs.
    /// </summary>
    public void Deny(string operation)
    {
        lock (_gate)
        {
            _denied.Add(operation);
        }
    }

    /// <summary>Moves the fake's clock, against which presigned URLs expire.</summary>
    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _clockOffset += by;
        }
    }

    /// <summary>Bucket names.</summary>
    public IReadOnlyList<string> Buckets => Snapshot(() => _buckets.Keys);

    public BucketSettings? Settings(string bucket) => Snapshot(() => _buckets.TryGetValue(bucket, out var b) ? [b.Settings()] : Array.Empty<BucketSettings>()).FirstOrDefault();

    /// <summary>Keys and sizes of a bucket's objects.</summary>
    public IReadOnlyDictionary<string, long> Objects(string bucket)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(bucket, out var b) ? b.Objects.ToDictionary(o => o.Key, o => (long)o.Value.Body.Length, StringComparer.Ordinal) : new Dictionary<string, long>();
        }
    }

    public void Dispose() => _listener.Close();

    private List<T> Snapshot<T>(Func<IEnumerable<T>> read)
    {
        lock (_gate)
        {
            return [.. read()];
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(context));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var http = context.Request;
        var operation = "(unknown)";
        Answer answer;
        var part = http.HttpMethod == "PUT" && http.RawUrl?.Contains("partNumber=", StringComparison.Ordinal) == true;
        if (part)
        {
            var now = Interlocked.Increment(ref _partsInFlight);
            int max;
            while ((max = Volatile.Read(ref _maxPartsInFlight)) < now && Interlocked.CompareExchange(ref _maxPartsInFlight, now, max) != max)
            {
            }

            var gate = Volatile.Read(ref _partsTogether);
            if (now >= Volatile.Read(ref _holdPartsUntil))
            {
                gate.TrySetResult();
            }

            try
            {
                await gate.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Let the parts through one by one: MaxConcurrentParts then tells the test what happened.
            }
        }

        try
        {
            var body = await ReadBodyAsync(http);
            if (part)
            {
                Interlocked.Decrement(ref _partsInFlight);
                part = false;
            }

            var (rawPath, query) = Split(http.RawUrl ?? "/");
            var request = new SigV4.Request(http.HttpMethod, rawPath, query, name => name.Equals("host", StringComparison.OrdinalIgnoreCase) ? http.Headers["Host"] : http.Headers[name]);
            var presigned = SigV4.IsPresigned(request);
            string? stored = null;
            lock (_gate)
            {
                try
                {
                    operation = Identify(http, rawPath, query, body, presigned);
                    _calls.Add(presigned ? operation + " (presigned)" : operation);
                    if (presigned)
                    {
                        SigV4.CheckPresigned(request, DateTimeOffset.UtcNow + _clockOffset, AccessKey, SecretKey, Region);
                    }
                    else
                    {
                        SigV4.CheckHeader(request, AccessKey, SecretKey, Region);
                    }

                    if (_denied.Contains(operation) || (presigned && (_denied.Contains("presigned") || _denied.Contains(operation + " (presigned)"))))
                    {
                        throw S3Error.Denied($"User is not authorized to perform: s3:{operation} on this resource with an explicit deny in a resource-based policy");
                    }

                    CheckBody(http, body, request);
                    answer = Dispatch(operation, http, rawPath, query, body);
                    Count(operation, presigned, body, answer);
                    stored = presigned && operation == "PutObject" ? Target(rawPath).Key : null;
                }
                catch (S3Error error)
                {
                    if (!_calls.Contains(operation) && operation == "(unknown)")
                    {
                        _calls.Add(operation);
                    }

                    if (error.Status != HttpStatusCode.NotFound)
                    {
                        // A lookup of something absent (HEAD before upload) is an answer, not a refusal.
                        _refused.Add($"{operation}: {error.Code}: {error.Message}");
                    }

                    answer = Answer.Error(error, http.HttpMethod == "HEAD");
                }
            }

            if (stored is not null)
            {
                AfterPresignedPut?.Invoke(stored);
            }

            await answer.WriteAsync(context.Response);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // the client went away
        }
        finally
        {
            if (part)
            {
                Interlocked.Decrement(ref _partsInFlight);
            }
        }
    }

    private void Count(string operation, bool presigned, byte[] body, Answer answer)
    {
        if (operation is "PutObject" or "UploadPart")
        {
            Interlocked.Add(ref presigned ? ref _bytesFromPresigned : ref _bytesFromSdk, body.Length);
        }
        else if (operation == "GetObject" && presigned)
        {
            Interlocked.Add(ref _bytesToPresigned, answer.Body.Length);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpListenerRequest http)
    {
        if (http.ContentLength64 > MaxBody)
        {
            throw new IOException("body too large for the fake");
        }

        using var buffer = new MemoryStream();
        await http.InputStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static (string RawPath, List<KeyValuePair<string, string>> Query) Split(string rawUrl)
    {
        var q = rawUrl.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? rawUrl : rawUrl[..q];
        var query = new List<KeyValuePair<string, string>>();
        if (q >= 0)
        {
            foreach (var pair in rawUrl[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                query.Add(eq < 0
                    ? new(Uri.UnescapeDataString(pair), "")
                    : new(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..])));
            }
        }

        return (path, query);
    }

    /// <summary>Which operation this is, checked against the model (presigned URLs' X-Amz-* parameters left out).</summary>
    private static string Identify(HttpListenerRequest http, string rawPath, List<KeyValuePair<string, string>> query, byte[] body, bool presigned)
    {
        var (bucket, key) = Target(rawPath);
        if (bucket.Length == 0)
        {
            throw S3Error.BadRequest("InvalidRequest", "The fake serves path-style requests only: /BUCKET[/KEY].");
        }

        var parameters = query.Where(p => !(presigned && p.Key.StartsWith("X-Amz-", StringComparison.Ordinal)))
            .GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        string? root = null;
        if (body.Length > 0 && (http.ContentType?.Contains("xml", StringComparison.OrdinalIgnoreCase) == true || (body[0] == (byte)'<' && key is null) || parameters.ContainsKey("uploadId") && http.HttpMethod == "POST"))
        {
            try
            {
                root = XDocument.Parse(System.Text.Encoding.UTF8.GetString(body)).Root?.Name.LocalName;
            }
            catch (System.Xml.XmlException)
            {
                throw S3Error.BadRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.");
            }
        }

        return S3Model.Instance.Resolve(http.HttpMethod, key is not null, parameters, name => http.Headers[name], http.Headers.AllKeys.OfType<string>(), body.Length > 0, root);
    }

    internal static (string Bucket, string? Key) Target(string rawPath)
    {
        var path = rawPath.TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return (Uri.UnescapeDataString(path), null);
        }

        var key = Uri.UnescapeDataString(path[(slash + 1)..]);
        return (Uri.UnescapeDataString(path[..slash]), key.Length == 0 ? null : key);
    }
}
