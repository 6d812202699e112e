using System.Net.Sockets;
using Polly.Timeout;

namespace Resilience.Storage;

/// <summary>
/// How a store's client library fails, mapped onto the store contract (shared source): which failures may succeed on
/// a retry (a timeout, a 5xx, throttling, a network error) and which never will (access denied, no such container),
/// and what the operator is told. A store supplies its client's cases; the budget, network errors and the bounded
/// read are the same for every store.
/// </summary>
internal abstract class StoreErrors
{
    /// <summary>Whether retrying may help.</summary>
    public bool IsTransient(Exception exception) => exception switch
    {
        FallbackStoreException { IsTransient: var transient } => transient,
        ObjectTooLargeException => false,
        TimeoutRejectedException => true,
        _ when ClassifyClientError(exception) is { } transient => transient,
        HttpRequestException or IOException or SocketException or TimeoutException or TaskCanceledException => true,
        _ => false,
    };

    /// <summary>What went wrong, in the operator's terms.</summary>
    public string Explain(Exception exception, FallbackStoreRetryOptions budget) => exception switch
    {
        TimeoutRejectedException => $"no answer within the budget ({budget.TotalTimeout} total, {budget.AttemptTimeout} per attempt)",
        ObjectTooLargeException => exception.Message,
        _ => ExplainClientError(exception) ?? exception.Message,
    };

    /// <summary>Whether a failure of the client library may succeed on a retry, or <see langword="null"/> when the exception is not the client's own.</summary>
    protected abstract bool? ClassifyClientError(Exception exception);

    /// <summary>The operator's explanation of a failure of the client library, or <see langword="null"/> for the exception's message.</summary>
    protected abstract string? ExplainClientError(Exception exception);
}
