using System.Globalization;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>
/// The control plane answered the upgrade with <c>503 Service Unavailable</c> or <c>429 Too Many Requests</c>: it is
/// there but busy (a recovering control plane's admission control) and may say when to come back (<c>Retry-After</c>).
/// </summary>
internal sealed class ControlPlaneBusyException : Exception
{
    public ControlPlaneBusyException(int statusCode, TimeSpan? retryAfter, Exception inner)
        : base(Describe(statusCode, retryAfter), inner)
    {
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>Gets the HTTP status: 503 or 429.</summary>
    public int StatusCode { get; }

    /// <summary>Gets the delay the control plane asked for (<c>Retry-After</c>), or null when it named none (or one that cannot be read).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Reads <c>Retry-After</c>: delay-seconds, or an HTTP date measured from <paramref name="now"/>.</summary>
    public static TimeSpan? ParseRetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers, DateTimeOffset now)
    {
        if (headers is null)
        {
            return null;
        }

        foreach (var (name, values) in headers)
        {
            if (!string.Equals(name, "Retry-After", StringComparison.OrdinalIgnoreCase) || values.FirstOrDefault()?.Trim() is not { Length: > 0 } value)
            {
                continue;
            }

            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(1).TotalSeconds));
            }

            if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return date > now ? date - now : TimeSpan.Zero;
            }
        }

        return null;
    }

    private static string Describe(int statusCode, TimeSpan? retryAfter) =>
        $"the control plane is busy ({statusCode} {(statusCode == 429 ? "Too Many Requests" : "Service Unavailable")})"
        + (retryAfter is { } delay ? $" and asks to retry after {delay.TotalSeconds:F0} s" : string.Empty);
}
