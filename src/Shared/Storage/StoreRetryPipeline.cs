using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Resilience.Storage;

/// <summary>
/// The retry pipeline around every cloud-store request (shared source): a total budget (outermost),
/// retries with exponential backoff and jitter for transient failures only, and a timeout per attempt (innermost).
/// </summary>
internal static class StoreRetryPipeline
{
    /// <param name="settings">The store's retry options.</param>
    /// <param name="isTransient">Which failures may succeed on a retry.</param>
    /// <param name="timeProvider">The clock for delays and timeouts.</param>
    /// <param name="name">The pipeline's name, for Polly's telemetry.</param>
    /// <param name="onRetry">Called before each retry with the attempt number, the delay and the failure's message (the store logs it).</param>
    public static ResiliencePipeline Create(FallbackStoreRetryOptions settings, Func<Exception, bool> isTransient, TimeProvider timeProvider, string name, Action<int, TimeSpan, string?> onRetry)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = name };
        builder.AddTimeout(settings.TotalTimeout);
        if (settings.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && (ex is TimeoutRejectedException || isTransient(ex))),
                OnRetry = args =>
                {
                    onRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(settings.AttemptTimeout);
        return builder.Build();
    }
}
