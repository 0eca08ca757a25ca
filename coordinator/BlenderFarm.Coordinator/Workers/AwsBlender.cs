using BlenderFarm.Blender.Discovery;
using BlenderFarm.Domain.Jobs;
using BlenderFarm.Workers.Aws;
using BlenderFarm.Workers.Aws.Fleet;

namespace BlenderFarm.Coordinator.Workers;

/// <summary>
/// The Blender a job's instances install when their image has none: the URL the user gave (<c>blender-url</c>), else
/// the official build of the version the user pinned (<c>blender-version</c>), else of the release that saved the
/// .blend (the artist's exact version when this computer runs that release), else of this computer's release.
/// </summary>
internal static class AwsBlender
{
    public static AwsOptions ForScene(AwsOptions options, IReadOnlyDictionary<string, string> pairs, SceneInfo scene)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(scene);
        if (pairs.ContainsKey("blender-url"))
        {
            return options;
        }

        var release = BlenderRelease.Parse(options.BlenderVersion) ?? BlenderRelease.Parse(scene.FileBlenderVersion) ?? BlenderRelease.Parse(scene.BlenderVersion);
        if (release is null)
        {
            return options;
        }

        var version = OfficialBlender.Full(options.BlenderVersion) ?? OfficialBlender.VersionFor(release, scene.BlenderVersion);
        return options with { BlenderDownload = OfficialBlender.Download(options.BlenderMirror, version) };
    }
}
