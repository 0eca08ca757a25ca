using BlenderFarm.Blender;
using BlenderFarm.Blender.Discovery;
using BlenderFarm.Integration.Tests.Support;

namespace BlenderFarm.Integration.Tests.Blender.Discovery;

/// <summary>Scene facts come from Blender itself.</summary>
[Category("Blender")]
public sealed class SceneInspectorTests
{
    [Test]
    public async Task Reports_range_size_after_percentage_format_extension_and_output_name()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("a.blend"), new
        {
            start = 5, end = 30, width = 200, height = 100, percentage = 50, format = "JPEG", filepath = "//renders/shot_###_v2",
        });

        var report = await SceneInspector.InspectAsync(Support.Blender.Executable, scene, workspace.PathOf("scripts"), CancellationToken.None);

        Assert.That(report.Scene with { BlenderVersion = "" }, Is.EqualTo(new Domain.Jobs.SceneInfo(
            "Scene", 5, 30, 1, 100, 50, "JPEG", ".jpg", "shot_###_v2", "CYCLES", "")));
        Assert.That(report.Scene.BlenderVersion, Does.Match(@"^\d+\.\d+"));
        Assert.That(report.HasCamera, Is.True);
        Assert.That(report.MissingFiles, Is.Empty);
        Assert.That(report.IsMovieOutput, Is.False);
    }

    [Test]
    public async Task A_movie_output_is_rendered_as_PNG_frames_and_flagged()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("movie.blend"), new { format = "FFMPEG" });

        var report = await SceneInspector.InspectAsync(Support.Blender.Executable, scene, workspace.PathOf("scripts"), CancellationToken.None);

        Assert.That(report.IsMovieOutput, Is.True);
        Assert.That(report.OriginalFileFormat, Is.EqualTo("FFMPEG"));
        Assert.That((report.Scene.FileFormat, report.Scene.FileExtension), Is.EqualTo(("PNG", ".png")));
    }

    [Test]
    public async Task A_scene_without_camera_is_reported()
    {
        using var workspace = new Workspace();
        var scene = await Support.Blender.MakeSceneAsync(workspace.PathOf("nocam.blend"), new { camera = false });

        var report = await SceneInspector.InspectAsync(Support.Blender.Executable, scene, workspace.PathOf("scripts"), CancellationToken.None);

        Assert.That(report.HasCamera, Is.False);
        var result = await workspace.Cli.RunAsync("render", scene);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr.Trim(), Does.EndWith("has no active camera: set one in Scene Properties."));
    }

    [Test]
    public void A_truncated_blend_is_a_user_facing_error()
    {
        using var workspace = new Workspace();
        var path = workspace.PathOf("cut.blend");
        File.WriteAllText(path, "BLENDER-v304RENDgarbage");

        var error = Assert.ThrowsAsync<UserFacingException>(() =>
            SceneInspector.InspectAsync(Support.Blender.Executable, path, workspace.PathOf("scripts"), CancellationToken.None));

        Assert.That(error!.Message, Does.StartWith($"Blender could not open {path}: ").And.EndWith("."));
    }
}
