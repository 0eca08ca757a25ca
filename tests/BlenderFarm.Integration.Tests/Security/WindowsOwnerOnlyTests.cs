using System.Text.RegularExpressions;
using BlenderFarm.Coordinator.Server;

namespace BlenderFarm.Integration.Tests.Security;

/// <summary>
/// The security descriptors BlenderFarm gives BLENDERFARM_HOME, its run folder and the endpoint file on Windows, read
/// as SDDL. Applying them needs Windows; what they say is checked here: the user alone, nothing inherited from above.
/// </summary>
public sealed partial class WindowsOwnerOnlyTests
{
    private const string User = "S-1-5-21-1004336348-1177238915-682003330-1001";

    [Test]
    public void The_home_folder_descriptor_lets_only_its_user_in_and_passes_that_to_everything_inside()
    {
        var sddl = WindowsOwnerOnly.FolderDescriptor(User);

        Assert.That(Owner(sddl), Is.EqualTo(User));
        Assert.That(DaclFlags(sddl), Is.EqualTo("P"), "protected: no entry inherited from D:\\ or another parent");
        Assert.That(Aces(sddl), Is.EqualTo(new[] { $"A;OICI;FA;;;{User}" }), "one entry: full access for the user, inherited by files (OI) and folders (CI)");
    }

    [Test]
    public void The_endpoint_file_descriptor_lets_only_its_user_in()
    {
        var sddl = WindowsOwnerOnly.FileDescriptor(User);

        Assert.That(Owner(sddl), Is.EqualTo(User));
        Assert.That(DaclFlags(sddl), Is.EqualTo("P"));
        Assert.That(Aces(sddl), Is.EqualTo(new[] { $"A;;FA;;;{User}" }));
    }

    [TestCase("WD")]
    [TestCase("S-1-5-21-1)(A;;FA;;;WD")]
    [TestCase("")]
    public void Anything_but_a_user_SID_is_refused(string sid) =>
        Assert.That(() => WindowsOwnerOnly.FolderDescriptor(sid), Throws.ArgumentException);

    private static string Owner(string sddl) => OwnerPattern().Match(sddl).Groups[1].Value;

    private static string DaclFlags(string sddl) => DaclPattern().Match(sddl).Groups[1].Value;

    private static string[] Aces(string sddl) => [.. AcePattern().Matches(sddl[sddl.IndexOf("D:", StringComparison.Ordinal)..]).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"^O:([^:]+?)(?:[GDS]:|$)")]
    private static partial Regex OwnerPattern();

    [GeneratedRegex(@"D:([A-Z]*)\(")]
    private static partial Regex DaclPattern();

    [GeneratedRegex(@"\(([^)]*)\)")]
    private static partial Regex AcePattern();
}
