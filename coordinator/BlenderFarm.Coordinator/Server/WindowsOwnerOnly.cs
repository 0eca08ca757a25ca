using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Windows has no 0600/0700: a new file inherits its folder's ACL, and a folder such as <c>D:\farm</c> often lets every
/// user read it. These give a folder or file an explicit, protected (not inherited) DACL that lets only the current
/// user in, so the endpoint file's token stays the user's wherever BLENDERFARM_HOME lives.
/// </summary>
internal static class WindowsOwnerOnly
{
    /// <summary>
    /// A folder's security descriptor (SDDL): owned by <paramref name="sid"/>, a protected DACL (P: nothing inherited
    /// from above) with one entry, allow (A) full access (FA) to <paramref name="sid"/>, inherited by every file and
    /// folder created inside (OI, CI). Plain text, so it is checked on any platform.
    /// </summary>
    public static string FolderDescriptor(string sid) => $"O:{Sid(sid)}D:P(A;OICI;FA;;;{sid})";

    /// <summary>A file's security descriptor (SDDL): owned by <paramref name="sid"/>, protected, full access to it alone.</summary>
    public static string FileDescriptor(string sid) => $"O:{Sid(sid)}D:P(A;;FA;;;{sid})";

    /// <summary>Creates the folder if needed and replaces its ACL by the owner-only one (children inherit it).</summary>
    [SupportedOSPlatform("windows")]
    public static void Folder(string path)
    {
        var security = new DirectorySecurity();
        security.SetSecurityDescriptorSddlForm(FolderDescriptor(CurrentUser().Value));
        var folder = new DirectoryInfo(path);
        if (!folder.Exists)
        {
            folder.Create(security);
        }

        folder.SetAccessControl(security);
    }

    /// <summary>Creates (or truncates) a file whose ACL lets only the current user in from its first byte.</summary>
    [SupportedOSPlatform("windows")]
    public static FileStream CreateFile(string path)
    {
        var security = new FileSecurity();
        security.SetSecurityDescriptorSddlForm(FileDescriptor(CurrentUser().Value));
        return new FileInfo(path).Create(FileMode.Create, FileSystemRights.Write | FileSystemRights.ReadData, FileShare.None, 4096, FileOptions.None, security);
    }

    /// <summary>A user SID as Windows writes it (S-1-…); anything else would make a different descriptor.</summary>
    private static string Sid(string sid) =>
        System.Text.RegularExpressions.Regex.IsMatch(sid, @"^S-1-\d+(-\d+)+$") ? sid : throw new ArgumentException($"'{sid}' is not a security identifier.", nameof(sid));

    [SupportedOSPlatform("windows")]
    private static SecurityIdentifier CurrentUser()
    {
        using var identity = WindowsIdentity.GetCurrent();
        return identity.User ?? throw new UnauthorizedAccessException("Windows did not say which user runs BlenderFarm, so its files cannot be made private.");
    }
}
