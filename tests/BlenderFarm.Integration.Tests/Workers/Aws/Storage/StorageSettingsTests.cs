using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;

namespace BlenderFarm.Integration.Tests.Workers.Aws.Storage;

/// <summary>How job files reach instances, as a user sets it in <c>--workers aws:...</c> or aws.conf.</summary>
public sealed class StorageSettingsTests
{
    [Test]
    public void S3_is_the_default_with_files_kept_seven_days()
    {
        var storage = AwsSettings.ToOptions(AwsSettings.ParseInline("region=eu-west-1")).Storage;

        Assert.That(storage, Is.Not.Null);
        Assert.That((storage!.ServiceUrl, storage.ExpiryDays), Is.EqualTo(((Uri?)null, 7)));
    }

    [Test]
    public void Sftp_or_a_custom_ec2_endpoint_without_an_s3_one_sends_files_over_sftp()
    {
        Assert.That(AwsSettings.ToOptions(AwsSettings.ParseInline("storage=sftp")).Storage, Is.Null);
        Assert.That(AwsSettings.ToOptions(AwsSettings.ParseInline("endpoint=http://127.0.0.1:1/")).Storage, Is.Null);
        var both = AwsSettings.ToOptions(AwsSettings.ParseInline("endpoint=http://127.0.0.1:1/,s3-endpoint=http://127.0.0.1:2/,storage-days=3")).Storage;
        Assert.That((both?.ServiceUrl, both?.ExpiryDays), Is.EqualTo((new Uri("http://127.0.0.1:2/"), (int?)3)));
    }

    [Test]
    public void A_storage_setting_out_of_range_is_one_sentence()
    {
        Assert.That(Assert.Throws<UsageException>(() => AwsSettings.ToOptions(AwsSettings.ParseInline("storage=ftp")))!.Message,
            Is.EqualTo("The AWS setting storage takes s3 or sftp, not 'ftp'."));
        Assert.That(Assert.Throws<UsageException>(() => AwsSettings.ToOptions(AwsSettings.ParseInline("storage-days=0")))!.Message,
            Is.EqualTo("The AWS setting storage-days takes a whole number from 1 to 3650, not '0'."));
    }
}
