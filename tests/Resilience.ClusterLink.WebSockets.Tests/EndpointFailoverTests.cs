using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>Several control-plane endpoints on a fake clock: the order of a round, the delay between rounds, where a round starts.</summary>
public sealed class EndpointFailoverTests : IAsyncDisposable
{
    private static readonly Uri A = new("wss://cp-a.test/v1/outlet");
    private static readonly Uri B = new("wss://cp-b.test/v1/outlet");
    private static readonly Uri C = new("wss://cp-c.test:8005/v1/outlet");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly LoopbackConnector _connector = new();
    private readonly RecordingContext _context;
    private readonly FakeLogger _logger = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ServiceProvider _metricsProvider = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private Task? _running;

    public EndpointFailoverTests()
    {
        _context = new RecordingContext(_time);
        Wait.Diagnostics.Value = () => string.Join(" | ", _logger.Collector.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}"));
    }

    private Meter Meter => _metricsProvider.GetRequiredService<IMeterFactory>().Create(DataPlaneTelemetry.MeterName);

    [Fact]
    public async Task A_round_tries_every_endpoint_in_order_at_once_and_the_random_delay_is_waited_only_between_rounds()
    {
        _connector.FailWith = "Connection refused";
        Start(jitter: 0.5, A, B, C);

        // The whole round runs without the clock moving.
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 3 }, "the first round failed");
        Assert.Equal([A, B, C], _connector.Tried);
        Assert.Equal(C, _context.Last!.Endpoint);
        Assert.Equal([A, B, C], _context.States.Where(s => s.Status == ClusterLinkStatus.Connecting).Select(s => s.Endpoint!).ToArray());
        var log = _logger.Collector.GetSnapshot();
        Assert.Equal(2, log.Count(r => r.Id.Id == 5100));
        Assert.Contains(log, r => r.Id.Id == 5100 && r.Message.Contains($"{A}", StringComparison.Ordinal) && r.Message.Contains($"next endpoint {B}", StringComparison.Ordinal));
        Assert.Single(log, r => r.Id.Id == 5002);

        // Jitter 0.5 between 5 s and 10 s: the next round is due 7.5 s after the round's last failure, not before.
        _time.Advance(TimeSpan.FromSeconds(7.4));
        Assert.Equal(3, _connector.Attempts);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 6 }, "the second round failed");
        Assert.Equal([A, B, C, A, B, C], _connector.Tried);
        Assert.Equal(2, _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 5002));
    }

    [Fact]
    public async Task The_link_stays_on_the_first_endpoint_that_connects_and_state_metrics_and_log_name_it()
    {
        using var attempts = new MetricCollector<long>(Meter, "resilience.link.connect_attempts");
        using var connectedGauge = new MetricCollector<int>(Meter, "resilience.link.connected_endpoint");
        _connector.Down[A] = true;
        Start(jitter: 0.5, A, B, C);

        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await cp.WelcomeAsync();
        await Wait.UntilAsync(() => _context.Last?.Status == ClusterLinkStatus.Connected, "connected");

        Assert.Equal(B, _context.Last!.Endpoint);
        Assert.Equal([A, B], _connector.Tried);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5001 && r.Message.Contains($"{B}", StringComparison.Ordinal));
        var measured = attempts.GetMeasurementSnapshot();
        Assert.Equal(["failure cp-a.test", "success cp-b.test"], measured.Select(m => $"{m.Tags["outcome"]} {new Uri((string)m.Tags["endpoint"]!).Host}").ToArray());
        Assert.Equal("wss://cp-b.test/v1/outlet", measured[1].Tags["endpoint"]);
        connectedGauge.RecordObservableInstruments();
        var gauge = Assert.Single(connectedGauge.GetMeasurementSnapshot());
        Assert.Equal(1, gauge.Value);
        Assert.Equal("wss://cp-b.test/v1/outlet", gauge.Tags["endpoint"]);

        // Heartbeats keep it there; A is not tried again while B works.
        _time.Advance(TimeSpan.FromSeconds(30));
        await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat);
        Assert.Equal(2, _connector.Attempts);
    }

    [Fact]
    public async Task After_a_lost_connection_the_next_round_starts_from_the_endpoint_that_last_worked_and_wraps_around()
    {
        using var reconnects = new MetricCollector<long>(Meter, "resilience.link.reconnects");
        using var connectedGauge = new MetricCollector<int>(Meter, "resilience.link.connected_endpoint");
        _connector.Down[A] = true;
        Start(jitter: 0, A, B, C);
        var onB = await ConnectedAsync(B, welcome: true);

        // B is lost; a blip (B back at once) brings the node back to B, not to A.
        onB.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Endpoint: { } e } && e == B, "B lost");
        connectedGauge.RecordObservableInstruments();
        Assert.Empty(connectedGauge.GetMeasurementSnapshot());
        Assert.Equal(["wss://cp-b.test/v1/outlet"], reconnects.GetMeasurementSnapshot().Select(m => (string)m.Tags["endpoint"]!).ToArray());
        _time.Advance(TimeSpan.FromSeconds(5));
        var backOnB = await ConnectedAsync(B, welcome: true);
        Assert.Equal([A, B, B], _connector.Tried);

        // B goes down: the round from B moves on to C at once, after one delay.
        _connector.Down[B] = true;
        backOnB.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected }, "B lost again");
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, _connector.Attempts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var onC = await ConnectedAsync(C, welcome: true);
        Assert.Equal([A, B, B, B, C], _connector.Tried);

        // C goes down with B still down and A back: the round C, A wraps to the start of the list.
        _connector.Down[C] = true;
        _connector.Down.TryRemove(A, out _);
        onC.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected }, "C lost");
        _time.Advance(TimeSpan.FromSeconds(5));
        await ConnectedAsync(A);
        Assert.Equal([A, B, B, B, C, C, A], _connector.Tried);
        Assert.Equal(0, _context.Last!.Attempts);
    }

    [Fact]
    public async Task A_connection_the_control_plane_never_answered_on_sends_the_next_round_to_the_next_endpoint()
    {
        Start(jitter: 0, A, B, C);

        // A accepts, reads the hello, and closes without a word (a broken replica behind a working listener).
        var silent = await ConnectedAsync(A);
        silent.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected }, "A lost");
        _time.Advance(TimeSpan.FromSeconds(5));
        // B answers (welcome): it counts as working, so the round after losing it starts from B again.
        var onB = await ConnectedAsync(B, welcome: true);
        Assert.Equal([A, B], _connector.Tried);
        onB.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected }, "B lost");
        _time.Advance(TimeSpan.FromSeconds(5));
        await ConnectedAsync(B);
        Assert.Equal([A, B, B], _connector.Tried);
    }

    [Fact]
    public async Task A_single_Endpoint_is_a_one_element_list_and_each_failure_waits_the_delay()
    {
        _connector.FailWith = "Connection refused";
        var options = new ClusterLinkOptions { Endpoint = A };
        Assert.Equal([A], options.ResolveEndpoints());
        Run(options, jitter: 0);

        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the first failure");
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _connector.Attempts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 2 }, "the second failure");
        Assert.Equal([A, A], _connector.Tried);
        Assert.DoesNotContain(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5100);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
        await _metricsProvider.DisposeAsync();
    }

    /// <summary>Takes the next connection and checks it is to <paramref name="endpoint"/>; with <paramref name="welcome"/> the control plane answers and the link has taken the answer in.</summary>
    private async Task<ControlPlaneEnd> ConnectedAsync(Uri endpoint, bool welcome = false)
    {
        var answered = _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 5013);
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Connected, Endpoint: { } e } && e == endpoint, $"connected to {endpoint}");
        if (welcome)
        {
            await cp.WelcomeAsync();
            await Wait.UntilAsync(() => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 5013) > answered, $"the welcome of {endpoint} taken in");
        }

        return cp;
    }

    private void Start(double jitter, params Uri[] endpoints)
    {
        var options = new ClusterLinkOptions();
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        Run(options, jitter);
    }

    private void Run(ClusterLinkOptions options, double jitter)
    {
        var link = new WebSocketClusterLink(options, _connector, new FixedJitter(jitter), _time, _logger, new ClusterLinkMetrics(_metricsProvider.GetRequiredService<IMeterFactory>()));
        _running = Task.Run(() => link.RunAsync(_context, _stop.Token));
    }
}
