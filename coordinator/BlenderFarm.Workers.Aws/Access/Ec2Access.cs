using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using BlenderFarm.Blender;

namespace BlenderFarm.Workers.Aws.Access;

/// <summary>
/// Opens EC2 with the user's credentials from the standard places (environment, then the named profile), never from
/// instance metadata: the coordinator runs on the artist's machine. Missing pieces become one sentence.
/// </summary>
public static class Ec2Access
{
    public static IAmazonEC2 Open(AwsOptions options)
    {
        var (credentials, region) = Resolve(options);
        var config = new AmazonEC2Config { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(30) };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonEC2Client(credentials, config);
    }

    /// <summary>The user's credentials and region (the S3 store opens its client with the same).</summary>
    internal static (AWSCredentials Credentials, string Region) Resolve(AwsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var profileName = new[] { options.Profile, Environment.GetEnvironmentVariable("AWS_PROFILE") }.FirstOrDefault(p => !string.IsNullOrEmpty(p)) ?? "default";
        var chain = new CredentialProfileStoreChain();
        var hasProfile = chain.TryGetProfile(profileName, out var profile);
        var credentials = FromEnvironment() ?? (hasProfile && chain.TryGetAWSCredentials(profileName, out var fromProfile) ? fromProfile : null);
        if (credentials is null)
        {
            throw new UserFacingException(options.Profile is null
                ? "No AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run 'aws configure', or name a profile with --aws-profile."
                : $"The AWS profile '{options.Profile}' was not found or has no credentials in ~/.aws/credentials or ~/.aws/config.");
        }

        var region = options.Region
            ?? Environment.GetEnvironmentVariable("AWS_REGION")
            ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? (hasProfile ? profile!.Region?.SystemName : null)
            ?? throw new UserFacingException("No AWS region is set: pass --aws-region (e.g. us-east-1), set AWS_REGION, or set one in your AWS profile.");
        return (credentials, region);
    }

    /// <summary>The region <paramref name="ec2"/> was opened for.</summary>
    public static string RegionOf(IAmazonEC2 ec2)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        return ec2.Config.RegionEndpoint?.SystemName ?? ec2.Config.AuthenticationRegion;
    }

    /// <summary>The sentence for an EC2 error: credentials and permissions get advice, anything else says what failed.</summary>
    public static string Explain(AmazonServiceException error, string doing)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.ErrorCode switch
        {
            "AuthFailure" or "InvalidClientTokenId" or "SignatureDoesNotMatch" or "IncompleteSignature" or "InvalidAccessKeyId" =>
                $"AWS refused the credentials while {doing}: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or your profile ({error.ErrorCode}).",
            "RequestExpired" or "ExpiredToken" =>
                $"The AWS credentials have expired while {doing}: refresh them (e.g. 'aws sso login') and try again.",
            "UnauthorizedOperation" =>
                $"The AWS credentials may not do this while {doing} (UnauthorizedOperation): give the user or role the EC2 actions README lists; EC2 said: {error.Message.TrimEnd('.')}.",
            "PendingVerification" =>
                $"AWS is still verifying this account, so EC2 refused {doing} (PendingVerification): this usually takes minutes, at most 4 hours; try again when AWS's e-mail says the account is ready.",
            "OptInRequired" =>
                $"This account must opt in before {doing} (OptInRequired): enable the region or service in the AWS console, then try again.",
            _ => $"EC2 failed while {doing}: {error.Message.TrimEnd('.')} ({error.ErrorCode}).",
        };
    }

    /// <summary>Runs one EC2 call, turning its failures into <see cref="UserFacingException"/>.</summary>
    public static async Task<T> CallAsync<T>(string doing, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (e.InnerException is HttpRequestException && string.IsNullOrEmpty(e.ErrorCode))
        {
            throw new UserFacingException($"EC2 cannot be reached while {doing}: {e.InnerException.Message.TrimEnd('.')}.", e);
        }
        catch (AmazonServiceException e)
        {
            throw new UserFacingException(Explain(e, doing), e);
        }
        catch (HttpRequestException e)
        {
            throw new UserFacingException($"EC2 cannot be reached while {doing}: {e.Message.TrimEnd('.')}.", e);
        }
    }

    /// <summary>True for the error EC2 gives about an instance it launched a moment ago but does not list yet.</summary>
    public static bool IsNotYetVisible(Exception error) =>
        (error as AmazonServiceException ?? error?.InnerException as AmazonServiceException)?.ErrorCode == "InvalidInstanceID.NotFound";

    private static AWSCredentials? FromEnvironment()
    {
        var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(secret))
        {
            return null;
        }

        var token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        return string.IsNullOrEmpty(token) ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token);
    }
}
