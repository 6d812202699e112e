namespace Resilience;

/// <summary>
/// The request-path API for usage telemetry: lock-free, allocation-free, never blocks. Records go
/// into a bounded buffer that drops the oldest when full and is flushed to the control plane.
/// </summary>
public interface IUsageRecorder
{
    /// <summary>Records one request.</summary>
    /// <param name="record">The record; copied into the buffer.</param>
    void Record(in UsageRecord record);
}
