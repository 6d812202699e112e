namespace Resilience.ControlPlane;

/// <summary>One telemetry batch from a data plane, parsed.</summary>
public sealed class DataPlaneUsageBatch
{
    internal DataPlaneUsageBatch(DataPlaneInfo node, IReadOnlyList<UsageRecord> records, long droppedTotal, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        Node = node;
        Records = records;
        DroppedTotal = droppedTotal;
        SentAt = sentAt;
        ReceivedAt = receivedAt;
    }

    /// <summary>Gets the sending data plane, as the registry knows it (counters include this batch).</summary>
    public DataPlaneInfo Node { get; }

    /// <summary>Gets the records, oldest first.</summary>
    public IReadOnlyList<UsageRecord> Records { get; }

    /// <summary>Gets how many records the data plane has dropped since it started (its buffer was full), as it reported.</summary>
    public long DroppedTotal { get; }

    /// <summary>Gets when the data plane built the batch, if it said.</summary>
    public DateTimeOffset? SentAt { get; }

    /// <summary>Gets when the control plane received it.</summary>
    public DateTimeOffset ReceivedAt { get; }
}
