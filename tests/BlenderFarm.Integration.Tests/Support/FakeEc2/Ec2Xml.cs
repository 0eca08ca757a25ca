using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;

namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>EC2's XML: success bodies in the 2016-11-15 namespace, and the namespace-less error body.</summary>
internal static class Ec2Xml
{
    public static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    /// <summary>An element in the EC2 namespace; null content is left out, so an absent value is an absent element.</summary>
    public static XElement E(string name, params object?[] content) => new(Ns + name, content.Where(c => c is not null));

    /// <summary>A <c>name</c> element holding one <c>item</c> per entry.</summary>
    public static XElement Set(string name, IEnumerable<XElement?[]> items) => E(name, items.Select(i => E("item", i)));

    public static XElement TagSet(IReadOnlyDictionary<string, string> tags) =>
        Set("tagSet", tags.Select(t => new[] { E("key", t.Key), E("value", t.Value) }));

    public static string Time(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Lower(bool value) => value ? "true" : "false";

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static byte[] Success(string action, IEnumerable<XElement> content) =>
        Bytes(new XElement(Ns + (action + "Response"), new XElement(Ns + "requestId", Guid.NewGuid().ToString()), content));

    public static byte[] Error(Ec2Error error) =>
        Bytes(new XElement("Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", error.Code), new XElement("Message", error.Message))),
            new XElement("RequestID", Guid.NewGuid().ToString())));

    public static async Task WriteAsync(HttpListenerResponse response, HttpStatusCode status, byte[] body)
    {
        response.StatusCode = (int)status;
        response.ContentType = "text/xml;charset=UTF-8";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body);
        response.Close();
    }

    private static byte[] Bytes(XElement root) =>
        Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + root.ToString(SaveOptions.DisableFormatting));
}
