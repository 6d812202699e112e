using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Resilience.Storage.S3;

/// <summary>
/// The retry pipeline around every S3 request: a total budget (outermost), retries with exponential
/// backoff and jitter for transient failures only, and a timeout per attempt (innermost).
/// </summary>
internal static class StoreRetryPipeline
{
    public static ResiliencePipeline Create(S3FallbackStoreOptions options, Func<Exception, bool> isTransient, TimeProvider timeProvider, ILogger logger, string store)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider, Name = "resilience-s3-store" };
        builder.AddTimeout(options.TotalTimeout);
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && (ex is TimeoutRejectedException || isTransient(ex))),
                OnRetry = args =>
                {
                    Log.Retrying(logger, store, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(options.AttemptTimeout);
        return builder.Build();
    }
}
