using System.Net;
using System.Text;
using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeS3;

/// <summary>An S3 response: status, headers and a body (an XML document, an object's bytes, or nothing).</summary>
internal sealed class Answer(HttpStatusCode status, byte[] body, string? contentType = null)
{
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    public HttpStatusCode Status { get; } = status;

    public byte[] Body { get; } = body;

    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>For HEAD: the length of the body a GET would send.</summary>
    public long? HeadLength { get; init; }

    public static Answer Empty(HttpStatusCode status = HttpStatusCode.OK) => new(status, []);

    public static Answer Xml(XElement root) => new(HttpStatusCode.OK, Encoding.UTF8.GetBytes(new XDocument(new XDeclaration("1.0", "UTF-8", null), root).ToString()), "application/xml");

    public static Answer Error(S3Error error, bool head) => head
        ? new(error.Status, [])
        : new(error.Status, Encoding.UTF8.GetBytes(new XElement("Error", new XElement("Code", error.Code), new XElement("Message", error.Message),
            new XElement("RequestId", "FAKES3REQUEST")).ToString(SaveOptions.DisableFormatting)), "application/xml");

    public Answer With(string header, string value)
    {
        Headers[header] = value;
        return this;
    }

    public async Task WriteAsync(HttpListenerResponse response)
    {
        response.StatusCode = (int)Status;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers["x-amz-request-id"] = "FAKES3REQUEST";
        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        if (HeadLength is { } length)
        {
            response.ContentLength64 = length;
            response.Close();
            return;
        }

        response.ContentLength64 = Body.Length;
        if (Body.Length > 0)
        {
            await response.OutputStream.WriteAsync(Body);
        }

        response.Close();
    }
}
