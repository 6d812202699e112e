using System.Diagnostics.Metrics;

namespace Resilience.Yarp;

/// <summary>The package's instruments (meter <c>Resilience.Yarp</c>).</summary>
internal sealed class YarpMetrics : IDisposable
{
    internal const string MeterName = YarpTelemetry.MeterName;

    private readonly Meter _meter;
    private readonly Histogram<double> _routingLag;
    private readonly Counter<long> _failures;

    public YarpMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _routingLag = DurationHistogram.Create(_meter, "resilience.yarp.routing.lag", "Time from the data plane serving a configuration (its swap) to YARP routing with it.");
        _failures = _meter.CreateCounter<long>("resilience.yarp.apply.failures", "{failure}", "Served configurations YARP failed to load or apply (it keeps the previous routes).");
    }

    public void Applied(TimeSpan lag) => _routingLag.Record(lag.TotalSeconds);

    public void Failed() => _failures.Add(1);

    public void Dispose() => _meter.Dispose();
}
