using BlenderFarm.Coordinator.Server;
using BlenderFarm.Workers.Aws.Storage;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Protocol.Tests.Server;

/// <summary>The upload figures the panel shows: rate and ETA from the bytes sent and the time the clock says passed.</summary>
[TestFixture]
public sealed class UploadNotifierTests
{
    private readonly FakeTimeProvider _time = new();

    [Test]
    public void Rate_and_eta_follow_the_bytes_sent_over_the_time_passed()
    {
        var started = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(10));

        var info = UploadNotifier.ToProtocol(new TransferProgress(25 << 20, 100 << 20, 2, 1 << 20, _time.GetElapsedTime(started)));

        Assert.That(info.BytesPerSecond, Is.EqualTo(2.5 * (1 << 20)).Within(0.001), "25 MB in 10 s");
        Assert.That(info.EtaSeconds, Is.EqualTo(30).Within(0.001), "75 MB left at 2.5 MB/s");
        Assert.That((info.SentBytes, info.TotalBytes, info.SkippedFiles, info.SkippedBytes), Is.EqualTo((25L << 20, 100L << 20, 2, 1L << 20)));
    }

    [Test]
    public void Before_any_byte_left_there_is_no_rate_and_no_eta()
    {
        var started = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromSeconds(2));

        var info = UploadNotifier.ToProtocol(new TransferProgress(0, 100 << 20, 0, 0, _time.GetElapsedTime(started)));

        Assert.That(info.BytesPerSecond, Is.Zero);
        Assert.That(info.EtaSeconds, Is.Null, "the panel shows ETA --:-- rather than infinity");
    }

    [Test]
    public void A_job_whose_files_are_all_in_the_bucket_already_is_done_at_once()
    {
        var info = UploadNotifier.ToProtocol(new TransferProgress(0, 0, 7, 3 << 30, TimeSpan.Zero));

        Assert.That((info.SentBytes, info.TotalBytes, info.SkippedFiles, info.EtaSeconds), Is.EqualTo((0L, 0L, 7, (double?)null)));
    }
}
