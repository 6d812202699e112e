namespace Resilience;

/// <summary>The running request counters of the usage records (the bake and the heartbeats read them; the request path only records).</summary>
internal interface IRequestOutcomes
{
    /// <summary>Gets how many requests were recorded since the node started.</summary>
    long Requests { get; }

    /// <summary>Gets how many of them failed: status 500 or above, or a forwarding error.</summary>
    long FailedRequests { get; }
}
