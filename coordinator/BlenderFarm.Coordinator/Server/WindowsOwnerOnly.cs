using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;

namespace BlenderFarm.Coordinator.Server;

/// <summary>
/// Windows has no 0600/0700: a new file inherits its folder's ACL, and a folder such as <c>D:\farm</c> often lets every
/// user read it. These give a folder or file an explicit, protected (not inherited) DACL that lets only the current
/// user in, so the endpoint file's token stays the user's wherever BLENDERFARM_HOME lives.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsOwnerOnly
{
    /// <summary>Creates the folder if needed and replaces its ACL by the owner-only one (children inherit it).</summary>
    public static void Folder(string path)
    {
        var security = new DirectorySecurity();
        var user = CurrentUser();
        security.SetOwner(user);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        var folder = new DirectoryInfo(path);
        if (!folder.Exists)
        {
            folder.Create(security);
        }

        folder.SetAccessControl(security);
    }

    /// <summary>Creates (or truncates) a file whose ACL lets only the current user in from its first byte.</summary>
    public static FileStream CreateFile(string path)
    {
        var security = new FileSecurity();
        var user = CurrentUser();
        security.SetOwner(user);
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(user, FileSystemRights.FullControl, AccessControlType.Allow));
        return new FileInfo(path).Create(FileMode.Create, FileSystemRights.Write | FileSystemRights.ReadData, FileShare.None, 4096, FileOptions.None, security);
    }

    private static SecurityIdentifier CurrentUser()
    {
        using var identity = WindowsIdentity.GetCurrent();
        return identity.User ?? throw new UnauthorizedAccessException("Windows did not say which user runs BlenderFarm, so its files cannot be made private.");
    }
}
