namespace Resilience;

/// <summary>
/// One proxied request, as counted for analytics and billing: where it went, who sent it, how it
/// ended. Never any request or response content. A value type: recording one does not allocate
/// (pass names the gateway already holds, such as the route id from its configuration).
/// </summary>
public readonly struct UsageRecord
{
    /// <summary>Creates a record.</summary>
    /// <param name="service">The upstream service (cluster) name, if known.</param>
    /// <param name="route">The route id, if known.</param>
    /// <param name="consumer">The consuming application, if known.</param>
    /// <param name="statusCode">The response status code.</param>
    /// <param name="latency">Time from request start to response end.</param>
    /// <param name="requestBytes">Request body bytes.</param>
    /// <param name="responseBytes">Response body bytes.</param>
    public UsageRecord(string? service, string? route, string? consumer, int statusCode, TimeSpan latency, long requestBytes, long responseBytes)
    {
        Service = service;
        Route = route;
        Consumer = consumer;
        StatusCode = statusCode;
        Latency = latency;
        RequestBytes = requestBytes;
        ResponseBytes = responseBytes;
    }

    /// <summary>Gets the upstream service (cluster) name.</summary>
    public string? Service { get; }

    /// <summary>Gets the route id.</summary>
    public string? Route { get; }

    /// <summary>Gets the consuming application.</summary>
    public string? Consumer { get; }

    /// <summary>Gets the response status code.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the time from request start to response end.</summary>
    public TimeSpan Latency { get; }

    /// <summary>Gets the request body bytes.</summary>
    public long RequestBytes { get; }

    /// <summary>Gets the response body bytes.</summary>
    public long ResponseBytes { get; }

    /// <summary>
    /// Gets a value indicating whether the gateway failed to forward the request or to relay the whole response (a proxy
    /// error, whatever <see cref="StatusCode"/> says: a response cut after its status line keeps its 200). Such a request
    /// counts as failed, as one with a status code of 500 or above does (the bake and the heartbeats' health).
    /// </summary>
    public bool IsForwardingError { get; init; }

    /// <summary>Gets a value indicating whether the request failed: a status code of 500 or above, or a forwarding error.</summary>
    internal bool IsFailed => StatusCode >= 500 || IsForwardingError;
}
