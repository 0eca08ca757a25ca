using BlenderFarm.Blender.Discovery;

namespace BlenderFarm.Integration.Tests.Blender.Discovery;

/// <summary>A failed Blender run is worded from what Blender said: the Python exception first (captured from 3.4.1 and 5.2.2).</summary>
public sealed class BlenderErrorTextTests
{
    private const string Blender34 = """
        Blender 3.4.1
        Error: Python: Traceback (most recent call last):
          File "/tmp/x/inspect_scene.py", line 3, in <module>
            s.render.image_settings.file_format = "PNG"
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        TypeError: bpy_struct: item.attr = val: enum "PNG" not found in ('FFMPEG')

        Error: script failed, file: 'inspect_scene.py', exiting.
        """;

    private const string Blender52 = """
        00:00.143  system.path      | WARNING Could not get a list of mounted file-systems
        Traceback (most recent call last):
          File "/tmp/x/inspect_scene.py", line 3, in <module>
            s.render.image_settings.file_format = "PNG"
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        TypeError: bpy_struct: item.attr = val: enum "PNG" not found in ('FFMPEG')

        Error: script failed, file: '/tmp/x/inspect_scene.py', exiting.
        Blender 5.2.2 LTS

        Blender quit
        """;

    [TestCase(Blender34)]
    [TestCase(Blender52)]
    public void A_failing_script_is_shown_by_its_python_exception_and_line(string output) =>
        Assert.That(BlenderErrorText.Summarize(output),
            Is.EqualTo("TypeError: bpy_struct: item.attr = val: enum \"PNG\" not found in ('FFMPEG') (inspect_scene.py, line 3)"));

    [Test]
    public void Without_a_traceback_blenders_own_error_line_is_shown() =>
        Assert.That(BlenderErrorText.Summarize("Blender 3.4.1\nRead blend: /x.blend\nError: File format is not supported in file '/x.blend'\nBlender quit\n"),
            Is.EqualTo("File format is not supported in file '/x.blend'"));

    [Test]
    public void Silence_is_said_to_be_silence() =>
        Assert.That(BlenderErrorText.Summarize("Blender 3.4.1\n\nBlender quit\n"), Is.EqualTo("it exited without saying why"));
}
