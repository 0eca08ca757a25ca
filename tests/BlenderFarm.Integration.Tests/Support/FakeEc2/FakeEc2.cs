using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>
/// A stand-in for the EC2 API on loopback, for <c>AmazonEC2Client</c> with <c>ServiceURL</c> pointed at it: the Query
/// protocol (form-urlencoded POSTs, XML answers), the parameter checks real EC2 makes, and instances that are real sshd
/// processes on their own 127.0.0.x address. Records every call and every refusal so tests can assert the coordinator's
/// requests were well formed.
/// </summary>
internal sealed partial class FakeEc2 : IDisposable
{
    public const string ApiVersion = "2016-11-15";
    public const string OwnerId = "123456789012";

    private readonly HttpListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly List<string> _refused = [];
    private readonly Dictionary<string, Func<QueryRequest, IEnumerable<XElement>>> _actions;
    private readonly FakeMetadata _metadata;
    private readonly Dictionary<string, (string Code, string Message)> _injected = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _throttled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _releaseHeld = new();

    static FakeEc2() => Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");

    private FakeEc2(string folder)
    {
        Folder = folder;
        var port = SshHosts.Host.FreePort("127.0.0.1");
        ServiceUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");
        SshPort = SshHosts.Host.FreePort("127.0.0.1");
        _actions = new(StringComparer.Ordinal)
        {
            ["DescribeImages"] = DescribeImages,
            ["DescribeSpotPriceHistory"] = DescribeSpotPriceHistory,
            ["DescribeAvailabilityZones"] = DescribeAvailabilityZones,
            ["ImportKeyPair"] = ImportKeyPair,
            ["DescribeKeyPairs"] = DescribeKeyPairs,
            ["DeleteKeyPair"] = DeleteKeyPair,
            ["CreateSecurityGroup"] = CreateSecurityGroup,
            ["AuthorizeSecurityGroupIngress"] = AuthorizeSecurityGroupIngress,
            ["DescribeSecurityGroups"] = DescribeSecurityGroups,
            ["DeleteSecurityGroup"] = DeleteSecurityGroup,
            ["RunInstances"] = RunInstances,
            ["DescribeInstances"] = DescribeInstances,
            ["TerminateInstances"] = TerminateInstances,
            ["GetConsoleOutput"] = GetConsoleOutput,
            ["CreateTags"] = CreateTags,
            ["CreateLaunchTemplate"] = CreateLaunchTemplate,
            ["DeleteLaunchTemplate"] = DeleteLaunchTemplate,
            ["DescribeLaunchTemplates"] = DescribeLaunchTemplates,
            ["CreateFleet"] = CreateFleet,
        };
        _metadata = new FakeMetadata(InterruptionOf);
        _listener.Prefixes.Add(ServiceUrl);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string Folder { get; }

    public string ServiceUrl { get; }

    public string AccessKey => "AKIAFAKEEC2BLENDERFM";

    public string SecretKey => "fake/secret/key/for/the/loopback/ec2/0000";

    public string Region => "us-east-1";

    /// <summary>Every instance's sshd listens on its own address at this port.</summary>
    public int SshPort { get; }

    /// <summary>The action of every request that reached the fake, refused ones included.</summary>
    public IReadOnlyList<string> Calls => Snapshot(() => _calls);

    /// <summary>"Action: Code: message" of every refused request.</summary>
    public IReadOnlyList<string> RefusedRequests => Snapshot(() => _refused);

    /// <summary>Metadata requests refused for coming without a valid IMDSv2 token.</summary>
    public int TokenlessMetadataRequests => _metadata.TokenlessRequests;

    /// <summary>Every <paramref name="action"/> request from now on fails with <paramref name="code"/> (any code of the error taxonomy).</summary>
    public void Refuse(string action, string code, string message)
    {
        lock (_gate)
        {
            _injected[action] = (code, message);
        }
    }

    /// <summary>The next <paramref name="times"/> <paramref name="action"/> requests are throttled as EC2 throttles: HTTP 503, <c>RequestLimitExceeded</c>.</summary>
    public void Throttle(string action, int times)
    {
        lock (_gate)
        {
            _throttled[action] = times;
        }
    }

    /// <summary>
    /// The next <paramref name="times"/> <paramref name="action"/> requests are carried out but never answered (until
    /// the fake is disposed), as when the connection is lost or the caller gives up after EC2 acted.
    /// </summary>
    public void HoldAnswers(string action, int times)
    {
        lock (_gate)
        {
            _held[action] = times;
        }
    }

    public static FakeEc2 Start(string folder)
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            Assert.Ignore("OpenSSH server is not installed (apt-get install openssh-server).");
        }

        _ = Ec2Model.Instance;
        Directory.CreateDirectory(folder);
        Directory.CreateDirectory("/run/sshd");
        return new FakeEc2(folder);
    }

    public void Dispose()
    {
        _releaseHeld.Cancel();
        _listener.Close();
        _metadata.Dispose();
        List<FakeInstance> all;
        lock (_gate)
        {
            all = [.. _instances.Values];
        }

        foreach (var instance in all)
        {
            StopMachine(instance);
        }
    }

    /// <summary>A copy of some of the fake's state, taken under its lock.</summary>
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
        string body;
        using (var reader = new StreamReader(context.Request.InputStream))
        {
            body = await reader.ReadToEndAsync();
        }

        var request = QueryRequest.Parse(body);
        var action = request.Action ?? "(none)";
        byte[] answer;
        var status = HttpStatusCode.OK;
        var hold = false;
        try
        {
            lock (_gate)
            {
                _calls.Add(action);
                try
                {
                    Check(context.Request, request);
                    if (_throttled.GetValueOrDefault(action) > 0)
                    {
                        _throttled[action]--;
                        throw new Ec2Error(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.");
                    }

                    if (_injected.TryGetValue(action, out var injected))
                    {
                        throw Ec2Error.BadRequest(injected.Code, injected.Message);
                    }

                    answer = Ec2Xml.Success(action, _actions[action](request));
                    if (_held.GetValueOrDefault(action) > 0)
                    {
                        _held[action]--;
                        hold = true;
                    }
                }
                catch (Ec2Error error)
                {
                    _refused.Add($"{action}: {error.Code}: {error.Message}");
                    status = error.Status;
                    answer = Ec2Xml.Error(error);
                }
            }

            if (hold)
            {
                await Task.Delay(Timeout.Infinite, _releaseHeld.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                context.Response.Abort();
                return;
            }

            await Ec2Xml.WriteAsync(context.Response, status, answer);
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // the client went away
        }
    }

    private void Check(HttpListenerRequest http, QueryRequest request)
    {
        var authorization = http.Headers["Authorization"];
        if (authorization is null || !authorization.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/", StringComparison.Ordinal))
        {
            throw new Ec2Error(HttpStatusCode.Unauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials");
        }

        if (http.HttpMethod != "POST" || http.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            throw Ec2Error.BadRequest("InvalidRequest", "The request must be a form-urlencoded POST.");
        }

        if (request.Version != ApiVersion)
        {
            throw Ec2Error.BadRequest(request.Version is null ? "MissingParameter" : "InvalidParameterValue",
                request.Version is null ? "The request must contain the parameter Version" : $"Invalid API version {request.Version}; this endpoint speaks {ApiVersion}.");
        }

        if (request.Action is null || !_actions.ContainsKey(request.Action))
        {
            throw Ec2Error.BadRequest("InvalidAction", $"The action {request.Action} is not valid for this web service.");
        }

        Ec2Model.Instance.Check(request.Action, request.Parameters);
    }
}
