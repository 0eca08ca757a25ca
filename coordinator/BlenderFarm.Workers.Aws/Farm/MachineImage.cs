using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Blender;
using BlenderFarm.Workers.Aws.Access;

namespace BlenderFarm.Workers.Aws.Farm;

/// <summary>Finds the AMI to launch: the id the user gave, or the newest available image matching owner and name.</summary>
public static class MachineImage
{
    public static async Task<Image> ResolveAsync(IAmazonEC2 ec2, AwsOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(options);
        var request = options.AmiId is { } id
            ? new DescribeImagesRequest { ImageIds = [id] }
            : new DescribeImagesRequest
            {
                Owners = [options.AmiOwner],
                Filters = [new Filter("name", [options.AmiName]), new Filter("state", ["available"])],
            };
        DescribeImagesResponse found;
        try
        {
            found = await ec2.DescribeImagesAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidAMIID.NotFound" or "InvalidAMIID.Malformed")
        {
            throw new UserFacingException($"The AMI {options.AmiId} does not exist in this region ({e.ErrorCode}): check --aws-ami.", e);
        }
        catch (Amazon.Runtime.AmazonServiceException e)
        {
            throw new UserFacingException(Ec2Access.Explain(e, "looking for the machine image"), e);
        }

        return (found.Images ?? []).OrderByDescending(i => i.CreationDate, StringComparer.Ordinal).FirstOrDefault()
            ?? throw new UserFacingException(options.AmiId is { } missing
                ? $"The AMI {missing} does not exist in this region: check --aws-ami."
                : $"No available AMI owned by '{options.AmiOwner}' is named like '{options.AmiName}' in this region: give one with --aws-ami.");
    }
}
