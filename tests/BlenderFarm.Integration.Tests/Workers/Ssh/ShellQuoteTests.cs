using System.Diagnostics;
using BlenderFarm.Workers.Ssh.Remote;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>Quoted arguments reach a real POSIX shell unchanged, whatever they hold.</summary>
public sealed class ShellQuoteTests
{
    [TestCase("plain")]
    [TestCase("with spaces  and\ttabs")]
    [TestCase("it's \"quoted\"")]
    [TestCase("$HOME and ${PATH} and $(id) and `id`")]
    [TestCase("back\\slash; rm -rf nothing && echo no | cat > /dev/null")]
    [TestCase("ünïcödé 日本 🎬")]
    [TestCase("new\nline")]
    [TestCase("")]
    [TestCase("'")]
    [TestCase("-n")]
    public void A_quoted_argument_arrives_unchanged(string value)
    {
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "printf '%s' " + ShellQuote.Quote(value)])
        {
            RedirectStandardOutput = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        })!;
        var output = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();

        Assert.That(output, Is.EqualTo(value));
    }

    [Test]
    public void A_NUL_character_is_refused() => Assert.That(() => ShellQuote.Quote("a\0b"), Throws.ArgumentException);
}
