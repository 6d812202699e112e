using System.Collections.Concurrent;
using System.Diagnostics;

namespace Resilience.Tests.Diagnostics;

/// <summary>
/// Collects the stopped spans of the data plane's source, as an OpenTelemetry exporter would see them.
/// The listener is process-wide, so tests pick their own spans by a tag only they produce.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DataPlaneTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Spans(string name, string tag, string value) =>
        _stopped.Where(a => a.OperationName == name && a.GetTagItem(tag) as string == value).ToList();

    public IReadOnlyList<Activity> Spans(string name, Func<Activity, bool> mine) =>
        _stopped.Where(a => a.OperationName == name && mine(a)).ToList();

    public void Dispose() => _listener.Dispose();
}
