namespace Resilience;

/// <summary>
/// The request-path API for usage telemetry: lock-free, allocation-free, never blocks. Records go
/// into a bounded buffer with one ring per processor (so that writers on different cores do not contend),
/// which drops the oldest record of a ring when every ring is full and is flushed to the control plane.
/// </summary>
public interface IUsageRecorder
{
    /// <summary>Records one request.</summary>
    /// <param name="record">The record; copied into the buffer.</param>
    void Record(in UsageRecord record);
}
