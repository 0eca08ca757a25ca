using System.Globalization;
using MessagePack;

namespace BlenderFarm.Domain.Jobs;

/// <summary>How many frames a slot takes at a time: a fixed count, or sized from measured frame times (<c>auto</c>).</summary>
[MessagePackObject]
public sealed record ChunkPolicy([property: Key(0)] int FixedSize)
{
    public static ChunkPolicy Auto { get; } = new(0);

    [IgnoreMember]
    public bool IsAuto => FixedSize == 0;

    public static ChunkPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return Auto;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 10_000)
        {
            return new ChunkPolicy(size);
        }

        throw new ArgumentException($"--chunk takes 'auto' or a number of frames from 1 to 10000, not '{text}'.");
    }

    public override string ToString() => IsAuto ? "auto" : FixedSize.ToString(CultureInfo.InvariantCulture);
}
