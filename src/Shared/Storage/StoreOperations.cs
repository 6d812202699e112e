using Polly;

namespace Resilience.Storage;

/// <summary>
/// Runs every call of one store (shared source): inside the retry pipeline (<see cref="StoreRetryPipeline"/>), and any
/// failure that escapes it becomes one <see cref="FallbackStoreException"/> naming the operation, the object and the
/// reason, marked transient or permanent by the store's <see cref="StoreErrors"/>. Cancellation by the caller passes as is.
/// </summary>
internal sealed class StoreOperations
{
    private readonly ResiliencePipeline _pipeline;
    private readonly StoreErrors _errors;
    private readonly FallbackStoreRetryOptions _budget;
    private readonly string _description;

    /// <param name="pipeline">The retry budget.</param>
    /// <param name="errors">The store's error mapping (the pipeline retries what it calls transient).</param>
    /// <param name="budget">The retry options, for messages.</param>
    /// <param name="description">The store's URI, for messages.</param>
    public StoreOperations(ResiliencePipeline pipeline, StoreErrors errors, FallbackStoreRetryOptions budget, string description)
    {
        _pipeline = pipeline;
        _errors = errors;
        _budget = budget;
        _description = description;
    }

    /// <summary>Runs <paramref name="action"/> within the budget.</summary>
    /// <param name="operation">What is done (<c>reading</c>, <c>writing</c>, ...), for the message.</param>
    /// <param name="key">The store key, for the message.</param>
    /// <param name="action">One attempt.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    /// <exception cref="FallbackStoreException">The operation failed permanently or ran out of budget.</exception>
    public async ValueTask<T> RunAsync<T>(string operation, string key, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static async (action, ct) => await action(ct).ConfigureAwait(false), action, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (FallbackStoreException ex) when (ex.InnerException is null)
        {
            // The store's own verdict (an object over the limit): already says what and where.
            throw;
        }
        catch (Exception ex)
        {
            var transient = _errors.IsTransient(ex);
            throw new FallbackStoreException($"{operation} {_description}/{key} failed{(transient ? " after retries" : string.Empty)}: {_errors.Explain(ex, _budget)}", ex) { IsTransient = transient };
        }
    }
}
