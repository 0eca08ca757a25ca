using BlenderFarm.Domain.Running;

namespace BlenderFarm.Domain.Tests.Running;

/// <summary>A full disk pauses the job ("free some space"); any other I/O error must not be mistaken for one.</summary>
[TestFixture]
public sealed class DiskFullExceptionTests
{
    [TestCase("No space left on device", 0, true, TestName = "The Unix message means disk full")]
    [TestCase("There is not enough space on the disk.", 0, true, TestName = "The Windows message means disk full")]
    [TestCase("Disk full while writing", 0, true, TestName = "'disk full' in any case means disk full")]
    [TestCase("write failed", unchecked((int)0x80070070), true, TestName = "Windows ERROR_DISK_FULL means disk full")]
    [TestCase("write failed", unchecked((int)0x80070027), true, TestName = "Windows ERROR_HANDLE_DISK_FULL means disk full")]
    [TestCase("Permission denied", 13, false, TestName = "EACCES is not disk full")]
    [TestCase("Broken pipe", 32, false, TestName = "EPIPE is not disk full")]
    [TestCase("Directory not empty", 39, false, TestName = "ENOTEMPTY (errno 39 on Linux) is not disk full")]
    [TestCase("Host is down", 112, false, TestName = "EHOSTDOWN (errno 112 on Linux) is not disk full")]
    public void IsDiskFull_for_an_IOException(string message, int hresult, bool expected)
    {
        Assert.That(DiskFullException.IsDiskFull(new IOException(message, hresult)), Is.EqualTo(expected));
    }

    [Test]
    public void Only_an_IOException_can_mean_disk_full()
    {
        Assert.That(DiskFullException.IsDiskFull(new InvalidOperationException("No space left on device")), Is.False);
    }

    [TestCase("Error: No space left on device", true)]
    [TestCase("Error: Cannot write file: disk full", true)]
    [TestCase("Error: Not freed memory blocks: 1", false)]
    [TestCase("", false)]
    public void IsDiskFull_for_a_message_Blender_printed(string message, bool expected)
    {
        Assert.That(DiskFullException.IsDiskFull(message), Is.EqualTo(expected));
    }

    [Test]
    [Platform("Linux")]
    public void A_real_write_to_a_full_device_is_recognised()
    {
        var error = Assert.Throws<IOException>(() => File.WriteAllBytes("/dev/full", new byte[64]));

        Assert.That(DiskFullException.IsDiskFull(error), Is.True);
    }

    [Test]
    [Platform("Linux")]
    public void A_real_directory_not_empty_error_is_not_taken_for_a_full_disk()
    {
        var folder = Path.Combine(Path.GetTempPath(), "blenderfarm-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "frame_0001.png"), "x");
        try
        {
            var error = Assert.Throws<IOException>(() => Directory.Delete(folder, recursive: false));

            Assert.That(DiskFullException.IsDiskFull(error), Is.False, error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
