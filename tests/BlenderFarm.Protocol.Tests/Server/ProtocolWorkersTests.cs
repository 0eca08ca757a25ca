using BlenderFarm.Coordinator.Server;
using BlenderFarm.Protocol;
using BlenderFarm.Protocol.Tests.Support;

namespace BlenderFarm.Protocol.Tests.Server;

/// <summary>The add-on's typed workers description becomes the workers a job renders on, with no CLI syntax between.</summary>
public sealed class ProtocolWorkersTests
{
    [Test]
    public void Local_slots_become_that_many_local_slots_and_no_count_the_default()
    {
        Assert.That(ProtocolWorkers.ToSpec(new WorkersInfo { Kind = WorkersKind.Local, Slots = 3 }, "/unused").ToString(), Is.EqualTo("local:3"));
        Assert.That(ProtocolWorkers.ToSpec(new WorkersInfo { Kind = WorkersKind.Local }, "/unused").Kind, Is.EqualTo("local"));
        Assert.That(ProtocolWorkers.ToSpec(null, "/unused").Kind, Is.EqualTo("local"));
    }

    [Test]
    public void Aws_settings_arrive_as_the_jobs_aws_settings_with_instance_types_in_order()
    {
        var home = Repo.NewTempFolder("aws-home");

        var spec = ProtocolWorkers.ToSpec(new WorkersInfo
        {
            Kind = WorkersKind.Aws,
            Aws = new AwsWorkersInfo { Region = "eu-west-1", Profile = "render", InstanceTypes = ["g4dn.xlarge", "g5.xlarge"], MaxInstances = 3, MaxCost = 12.5 },
        }, home);

        Assert.That(spec.Kind, Is.EqualTo("aws"));
        Assert.That(spec.Aws, Is.SupersetOf(new Dictionary<string, string>
        {
            ["region"] = "eu-west-1",
            ["profile"] = "render",
            ["types"] = "g4dn.xlarge+g5.xlarge",
            ["max-instances"] = "3",
            ["max-cost"] = "12.5",
        }));
    }

    [TestCase(0, TestName = "Zero local slots are refused with one sentence")]
    [TestCase(65, TestName = "65 local slots are refused with one sentence")]
    public void Out_of_range_local_slots_are_refused(int slots)
    {
        var refused = Assert.Throws<ArgumentException>(() => ProtocolWorkers.ToSpec(new WorkersInfo { Kind = WorkersKind.Local, Slots = slots }, "/unused"));

        Assert.That(refused!.Message, Is.EqualTo($"Local workers take 1 to 64 slots, not {slots}."));
    }

    [Test]
    public void Ssh_workers_without_an_absolute_hosts_file_are_refused_naming_what_is_missing()
    {
        Assert.That(() => ProtocolWorkers.ToSpec(new WorkersInfo { Kind = WorkersKind.Ssh, HostsFile = "hosts.txt" }, "/unused"),
            Throws.ArgumentException.With.Message.EqualTo("SSH workers need the absolute path of a hosts file."));
        Assert.That(() => ProtocolWorkers.ToSpec(new WorkersInfo { Kind = WorkersKind.Ssh, HostsFile = "/no/such/hosts.txt" }, "/unused"),
            Throws.ArgumentException.With.Message.EqualTo("The hosts file /no/such/hosts.txt does not exist."));
    }
}
