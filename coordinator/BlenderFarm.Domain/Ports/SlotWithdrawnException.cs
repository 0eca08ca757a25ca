namespace BlenderFarm.Domain.Ports;

/// <summary>
/// The slot leaves the job through no fault of its frames (its cloud instance got a spot interruption notice, went
/// idle or hit the money limit): every frame it holds goes back to the queue without counting a failed attempt, and
/// it takes no more work this run.
/// </summary>
public sealed class SlotWithdrawnException : Exception
{
    public SlotWithdrawnException(string message) : base(message) { }
    public SlotWithdrawnException() { }
    public SlotWithdrawnException(string message, Exception inner) : base(message, inner) { }
}
