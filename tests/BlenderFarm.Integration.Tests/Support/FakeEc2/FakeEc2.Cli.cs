namespace BlenderFarm.Integration.Tests.Support.FakeEc2;

/// <summary>The environment the CLI under test reaches the fake with, and never the real ~/.aws.</summary>
internal sealed partial class FakeEc2
{
    /// <summary>The fake's keys in the standard variables; no profile, no credential or config file, no instance metadata.</summary>
    public void UseIn(Workspace workspace)
    {
        UseNoCredentials(workspace);
        workspace.Cli.Environment["AWS_ACCESS_KEY_ID"] = AccessKey;
        workspace.Cli.Environment["AWS_SECRET_ACCESS_KEY"] = SecretKey;
    }

    /// <summary>No credentials anywhere: what a user who never set up AWS has.</summary>
    public static void UseNoCredentials(Workspace workspace)
    {
        var env = workspace.Cli.Environment;
        env["AWS_ACCESS_KEY_ID"] = "";
        env["AWS_SECRET_ACCESS_KEY"] = "";
        env["AWS_SESSION_TOKEN"] = "";
        env["AWS_PROFILE"] = "";
        env["AWS_DEFAULT_PROFILE"] = "";
        env["AWS_EC2_METADATA_DISABLED"] = "true";
        env["AWS_SHARED_CREDENTIALS_FILE"] = workspace.PathOf("no-aws", "credentials");
        env["AWS_CONFIG_FILE"] = workspace.PathOf("no-aws", "config");
    }
}
