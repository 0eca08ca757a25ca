using System.Runtime.InteropServices;

namespace BlenderFarm.Domain.Journal;

/// <summary>
/// Keeps what BlenderFarm writes its own user's, whatever the umask: the process runs with umask 077 (folders 0700,
/// files 0600 from their first byte, Blender's temporary frames included) and BLENDERFARM_HOME itself is 0700. Frames
/// delivered to the user's output folder, and that folder, get the modes the user's own umask gives.
/// </summary>
public static partial class PrivateFiles
{
    private const UnixFileMode Everything = (UnixFileMode)0b111_111_111;
    private static UnixFileMode _userUmask = (UnixFileMode)0b000_010_010;

    /// <summary>Sets this process's umask to 077 and remembers the user's. Does nothing on Windows (ACLs instead).</summary>
    public static void UsePrivateUmask()
    {
        if (!OperatingSystem.IsWindows())
        {
            _userUmask = (UnixFileMode)SetUmask(0b000_111_111);
        }
    }

    /// <summary>Creates the home folder if needed and makes it 0700.</summary>
    public static void SecureHome(string home)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(home);
            return;
        }

        Directory.CreateDirectory(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Gives a file or folder the user chose (an output frame, the output folder) the mode the user's umask would.</summary>
    public static void Share(string path, bool folder = false)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (folder ? Everything : Everything & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) & ~_userUmask);
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe blocks for one int.
    [DllImport("libc", EntryPoint = "umask")]
    private static extern int SetUmask(int mask);
#pragma warning restore SYSLIB1054
}
