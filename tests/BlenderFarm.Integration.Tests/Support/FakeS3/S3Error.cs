using System.Net;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>An S3 refusal: the HTTP status and the code and message S3 puts in its XML error body.</summary>
internal sealed class S3Error(HttpStatusCode status, string code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    public static S3Error BadRequest(string code, string message) => new(HttpStatusCode.BadRequest, code, message);

    public static S3Error Denied(string message) => new(HttpStatusCode.Forbidden, "AccessDenied", message);
}
