using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Workers;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Workers.Aws;

/// <summary>The settings of <c>--workers aws:...</c> and aws.conf, as a user writes them.</summary>
public sealed class AwsSettingsTests
{
    [Test]
    public void A_bare_count_is_the_most_instances()
    {
        Assert.That(AwsSettings.ParseInline("4"), Is.EqualTo(new SortedDictionary<string, string> { ["max-instances"] = "4" }));
        Assert.That(AwsSettings.ParseInline(""), Is.Empty);
    }

    [Test]
    public void Pairs_become_options_and_types_may_be_listed_with_plus_or_commas()
    {
        var pairs = AwsSettings.ParseInline("region=eu-west-1, types=g4dn.xlarge,g5.xlarge,max-cost=2.5,tick=0.5,endpoint=http://127.0.0.1:8080/,caller-cidr=127.0.0.1/32");

        var options = AwsSettings.ToOptions(pairs);

        Assert.That(options.Region, Is.EqualTo("eu-west-1"));
        Assert.That(options.InstanceTypes, Is.EqualTo(new[] { "g4dn.xlarge", "g5.xlarge" }));
        Assert.That(options.MaxCostUsd, Is.EqualTo(2.5));
        Assert.That(options.Tick, Is.EqualTo(TimeSpan.FromSeconds(0.5)));
        Assert.That(options.ServiceUrl, Is.EqualTo(new Uri("http://127.0.0.1:8080/")));
        Assert.That(options.CallerCidr, Is.EqualTo("127.0.0.1/32"));
        Assert.That(AwsSettings.ToOptions(AwsSettings.ParseInline("types=g4dn.xlarge+g6.xlarge")).InstanceTypes, Is.EqualTo(new[] { "g4dn.xlarge", "g6.xlarge" }));
    }

    [Test]
    public void The_journaled_form_reads_back_the_same()
    {
        var pairs = AwsSettings.ParseInline("types=g5.xlarge+g4dn.xlarge,region=us-east-1,max-instances=3");

        var again = AwsSettings.ParseInline(AwsSettings.Format(pairs)["aws:".Length..]);

        Assert.That(again, Is.EqualTo(pairs));
    }

    [Test]
    public void The_settings_file_takes_one_pair_a_line_with_comments_and_a_missing_file_is_empty()
    {
        using var workspace = new Workspace();
        var file = workspace.PathOf("aws.conf");
        File.WriteAllText(file, "# my farm\nregion = us-west-2\n\nmax-cost=12\n");

        Assert.That(AwsSettings.ReadFile(file), Is.EqualTo(new SortedDictionary<string, string> { ["max-cost"] = "12", ["region"] = "us-west-2" }));
        Assert.That(AwsSettings.ReadFile(workspace.PathOf("none.conf")), Is.Empty);
    }

    [TestCase("colour=blue", "is not an AWS setting")]
    [TestCase("max-instances=0", "max-instances takes a whole number from 1")]
    [TestCase("max-cost=lots", "max-cost takes a number")]
    [TestCase("endpoint=ftp://x", "endpoint takes an http(s) URL")]
    [TestCase("caller-cidr=203.0.113.7", "caller-cidr takes an address with a prefix length")]
    [TestCase("caller-cidr=203.0.113.7/33", "caller-cidr takes an address with a prefix length")]
    [TestCase("caller-cidr=2001:db8::1/129", "caller-cidr takes an address with a prefix length")]
    public void A_wrong_setting_is_a_usage_error_that_says_what_is_wrong(string inline, string message)
    {
        var error = Assert.Throws<UsageException>(() => AwsSettings.ToOptions(AwsSettings.ParseInline(inline)));

        Assert.That(error!.Message, Does.Contain(message));
    }

    [Test]
    public void An_IPv6_caller_range_is_accepted()
    {
        Assert.That(AwsSettings.ToOptions(AwsSettings.ParseInline("caller-cidr=2001:db8::1/128")).CallerCidr, Is.EqualTo("2001:db8::1/128"));
    }
}
