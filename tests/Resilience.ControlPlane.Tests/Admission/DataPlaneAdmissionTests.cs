using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Resilience.ControlPlane.Tests;

/// <summary>Admission control of new sessions on a fake clock: bounded rate, bounded concurrency, a bounded wait, spread Retry-After.</summary>
public sealed class DataPlaneAdmissionTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FakeLogger _logger = new();
    private DataPlaneAdmission? _admission;

    [Fact]
    public async Task Rate_is_bounded_per_replenishment_period_of_the_injected_clock()
    {
        // 20/s: two per 100 ms period; no queue, so the third in a period is refused at once.
        var admission = Create(o => { o.PerSecond = 20; o.MaxConcurrent = 100; o.QueueLimit = 0; });
        var first = await admission.AdmitAsync(default);
        var second = await admission.AdmitAsync(default);
        var third = await admission.AdmitAsync(default);

        Assert.NotNull(first.Lease);
        Assert.NotNull(second.Lease);
        Assert.Null(third.Lease);
        Assert.InRange(third.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.NotNull((await admission.AdmitAsync(default)).Lease);
    }

    [Fact]
    public async Task Concurrency_is_bounded_until_a_lease_is_given_back_and_a_waiter_is_refused_after_the_queue_timeout()
    {
        var admission = Create(o => { o.PerSecond = 1000; o.MaxConcurrent = 2; o.QueueLimit = 10; o.QueueTimeout = TimeSpan.FromSeconds(5); });
        var a = await admission.AdmitAsync(default);
        var b = await admission.AdmitAsync(default);
        Assert.Equal(2, admission.InProgress);

        var c = admission.AdmitAsync(default).AsTask();
        var d = admission.AdmitAsync(default).AsTask();
        Assert.False(c.IsCompleted);

        // A session sent its first configuration: the oldest waiter goes in.
        a.Lease!.Dispose();
        Assert.NotNull((await c.WaitAsync(TimeSpan.FromSeconds(10))).Lease);
        Assert.False(d.IsCompleted);

        // Nobody finishes within the queue timeout: the waiter is answered busy, before any upgrade.
        _time.Advance(TimeSpan.FromSeconds(5));
        var refused = await d.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(refused.Lease);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));
        Assert.Equal(2, admission.InProgress);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 6020);
        b.Lease!.Dispose();
    }

    [Fact]
    public async Task Refused_requests_are_told_to_come_back_at_spread_times_never_beyond_the_cap()
    {
        // 1/s with no queue: each refusal is told one admission slot later than the previous one, up to the cap.
        var admission = Create(o => { o.PerSecond = 1; o.MaxConcurrent = 100; o.QueueLimit = 0; o.MaxRetryAfter = TimeSpan.FromSeconds(5); });
        Assert.NotNull((await admission.AdmitAsync(default)).Lease);

        var told = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            var refused = await admission.AdmitAsync(default);
            Assert.Null(refused.Lease);
            told.Add(refused.RetryAfter);
        }

        Assert.Equal([1, 2, 3, 4, 5, 5, 5, 5], told.Select(t => (int)t.TotalSeconds).ToArray());
    }

    [Fact]
    public void Admission_options_out_of_range_fail_the_hub_options_at_start_up()
    {
        var options = new DataPlaneHubOptions();
        options.Admission.MaxConcurrent = 0;
        options.Admission.QueueTimeout = TimeSpan.FromMinutes(5);

        var result = new DataPlaneHubOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("MaxConcurrent", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("QueueTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new DataPlaneHubOptionsValidator().Validate(null, new DataPlaneHubOptions()).Succeeded);
    }

    public void Dispose() => _admission?.Dispose();

    private DataPlaneAdmission Create(Action<DataPlaneAdmissionOptions> configure)
    {
        var options = new DataPlaneAdmissionOptions();
        configure(options);
        _admission = new DataPlaneAdmission(options, _time, _logger, meterFactory: null);
        return _admission;
    }
}
