using System.Globalization;
using Amazon.EC2;
using Amazon.EC2.Model;
using BlenderFarm.Workers.Aws.Access;

namespace BlenderFarm.Workers.Aws.Pricing;

/// <summary>The current spot price of one instance type in one zone, in USD per hour.</summary>
public sealed record SpotQuote(string InstanceType, string Zone, double UsdPerHour);

/// <summary>Current spot prices from DescribeSpotPriceHistory (Linux, newest price per type and zone).</summary>
public static class SpotPrices
{
    public static async Task<IReadOnlyList<SpotQuote>> CurrentAsync(IAmazonEC2 ec2, IReadOnlyList<string> instanceTypes, string? zone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var request = new DescribeSpotPriceHistoryRequest
        {
            InstanceTypes = [.. instanceTypes],
            ProductDescriptions = ["Linux/UNIX"],
            StartTime = DateTime.UtcNow,
        };
        if (zone is not null)
        {
            request.AvailabilityZone = zone;
        }

        var prices = new List<SpotQuote>();
        do
        {
            var page = await Ec2Access.CallAsync("reading spot prices", () => ec2.DescribeSpotPriceHistoryAsync(request, cancellationToken)).ConfigureAwait(false);
            prices.AddRange((page.SpotPriceHistory ?? [])
                .Where(p => p.InstanceType is not null && p.AvailabilityZone is not null)
                .OrderByDescending(p => p.Timestamp)
                .Select(p => new SpotQuote(p.InstanceType!.Value, p.AvailabilityZone!, double.Parse(p.Price, CultureInfo.InvariantCulture))));
            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));

        return [.. prices.DistinctBy(p => (p.InstanceType, p.Zone)).OrderBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.Zone, StringComparer.Ordinal)];
    }

    /// <summary>The price for a type in a zone, else the highest known for the type (cost is never under-counted).</summary>
    public static double? For(IReadOnlyList<SpotQuote> prices, string instanceType, string zone)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return prices.FirstOrDefault(p => p.InstanceType == instanceType && p.Zone == zone)?.UsdPerHour
            ?? prices.Where(p => p.InstanceType == instanceType).Select(p => (double?)p.UsdPerHour).Max();
    }
}
