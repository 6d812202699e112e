using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>Heartbeats, liveness and reconnects on a fake clock: the reference's 30 s / 45 s / 5-10 s timings.</summary>
public sealed class WebSocketClusterLinkTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly LoopbackConnector _connector = new();
    private readonly RecordingContext _context;
    private readonly FakeLogger _logger = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public WebSocketClusterLinkTests()
    {
        _context = new RecordingContext(_time);
        Wait.Diagnostics.Value = () => string.Join(" | ", _logger.Collector.GetSnapshot().Select(r => $"{r.Id.Id} {r.Message}"));
    }

    [Fact]
    public async Task Hello_carries_identity_and_hash_and_heartbeats_carry_the_hash_every_interval()
    {
        _context.Current = new ConfigSnapshot("{}"u8.ToArray(), "abc", ConfigOrigin.Cache, _time.GetUtcNow());
        Start(jitter: 0.5);
        var cp = await _connector.NextAsync();

        var hello = await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        Assert.Equal("node-1", hello.GetProperty("node_id").GetString());
        Assert.Equal("host-1", hello.GetProperty("hostname").GetString());
        Assert.Equal("1.0.0", hello.GetProperty("version").GetString());
        Assert.Equal("a", hello.GetProperty("labels").GetProperty("zone").GetString());
        Assert.Equal("abc", hello.GetProperty("config_hash").GetString());
        Assert.Equal(1, hello.GetProperty("protocol").GetInt32());
        await cp.WelcomeAsync();
        await AnsweredAsync(1);

        _time.Advance(TimeSpan.FromSeconds(30));
        var first = await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat);
        Assert.Equal("abc", first.GetProperty("config_hash").GetString());
        await cp.SendAsync(new HeartbeatMessage { Type = LinkProtocol.Types.HeartbeatAck });
        await AnsweredAsync(2);

        _context.Current = new ConfigSnapshot("{}"u8.ToArray(), "def", ConfigOrigin.Manual, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromSeconds(30));
        var second = await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat);
        Assert.Equal("def", second.GetProperty("config_hash").GetString());
        Assert.Equal(ClusterLinkStatus.Connected, _context.Last!.Status);
        Assert.Equal(1, _connector.Attempts);
    }

    [Fact]
    public async Task Silent_control_plane_is_declared_dead_after_the_heartbeat_timeout_then_the_link_reconnects_after_the_random_delay()
    {
        Start(jitter: 0.5);
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await cp.WelcomeAsync();
        await AnsweredAsync(1);

        // The heartbeat at 30 s goes unanswered.
        _time.Advance(TimeSpan.FromSeconds(30));
        await cp.ReceiveAsync(LinkProtocol.Types.Heartbeat);
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(ClusterLinkStatus.Connected, _context.Last!.Status);

        // 45 s after the last message from the control plane, the connection is dead.
        _time.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(() => _context.Last?.Status == ClusterLinkStatus.Disconnected, "disconnected");
        Assert.Contains("heartbeat", _context.Last!.LastError);
        Assert.Equal(0, _context.Last.Attempts);

        // Jitter 0.5 between 5 s and 10 s: the reconnect is due 7.5 s later, not before.
        _time.Advance(TimeSpan.FromSeconds(7.4));
        Assert.Equal(1, _connector.Attempts);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await Wait.UntilAsync(() => _connector.Attempts == 2, "the second attempt");
        var again = await _connector.NextAsync();
        await again.ReceiveAsync(LinkProtocol.Types.Hello);
    }

    [Theory]
    [InlineData(0.0, 5.0)]
    [InlineData(0.999, 9.995)]
    public async Task Failed_attempts_are_counted_with_the_last_error_and_retried_forever_within_the_delay_range(double jitter, double expectedDelaySeconds)
    {
        _connector.FailWith = "Connection refused (cp:8005)";
        Start(jitter);
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the first failure");
        Assert.Equal("Connection refused (cp:8005)", _context.Last!.LastError);

        for (var attempt = 2; attempt <= 4; attempt++)
        {
            _time.Advance(TimeSpan.FromSeconds(expectedDelaySeconds) - TimeSpan.FromMilliseconds(10));
            Assert.Equal(attempt - 1, _connector.Attempts);
            _time.Advance(TimeSpan.FromMilliseconds(11));
            var expected = attempt;
            await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected } last && last.Attempts == expected, $"failure {expected}");
        }

        // Once it connects, the count resets.
        _connector.FailWith = null;
        _time.Advance(TimeSpan.FromSeconds(expectedDelaySeconds) + TimeSpan.FromMilliseconds(1));
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await Wait.UntilAsync(() => _context.Last?.Status == ClusterLinkStatus.Connected, "connected");
        Assert.Equal(0, _context.Last!.Attempts);
        Assert.Null(_context.Last.LastError);
    }

    [Theory]
    [InlineData(503, 30, 0.0, 30.0)]      // as asked
    [InlineData(429, 30, 0.999, 34.995)]  // 429 the same, plus the usual 5 s spread
    [InlineData(503, 1, 0.0, 5.0)]        // never below the reconnect minimum (the reference's 5 s)
    [InlineData(503, 3600, 0.0, 300.0)]   // never above MaxRetryAfter (5 min)
    public async Task Busy_control_plane_is_retried_when_it_asks_never_sooner_than_the_minimum_and_never_later_than_the_cap(int status, int askedSeconds, double jitter, double expectedSeconds)
    {
        _connector.Busy = (status, TimeSpan.FromSeconds(askedSeconds));
        Start(jitter);
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the busy answer");
        var expected = TimeSpan.FromSeconds(expectedSeconds);
        Assert.Equal(expected, _context.Last!.RetryAfter);
        Assert.Contains($"busy ({status}", _context.Last.LastError, StringComparison.Ordinal);
        Assert.Contains($"Retry-After {TimeSpan.FromSeconds(askedSeconds)}", Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5016).Message, StringComparison.Ordinal);

        _time.Advance(expected - TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, _connector.Attempts);

        // Not forever: the next attempt comes when asked; without a busy answer the usual delay applies again.
        _connector.Busy = null;
        _connector.FailWith = "Connection refused (cp:8005)";
        _time.Advance(TimeSpan.FromMilliseconds(11));
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 2 }, "the second attempt");
        Assert.Null(_context.Last!.RetryAfter);
    }

    [Fact]
    public async Task Busy_answer_without_Retry_After_is_retried_after_the_usual_random_delay()
    {
        _connector.Busy = (503, null);
        Start(jitter: 0.5);
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the busy answer");

        Assert.Null(_context.Last!.RetryAfter);
        _time.Advance(TimeSpan.FromSeconds(7.5) - TimeSpan.FromMilliseconds(10));
        Assert.Equal(1, _connector.Attempts);
        _time.Advance(TimeSpan.FromMilliseconds(11));
        await Wait.UntilAsync(() => _connector.Attempts == 2, "the second attempt");
    }

    [Fact]
    public async Task Warnings_say_what_is_served_and_down_since_is_the_start_of_the_outage_across_attempts()
    {
        _connector.FailWith = "Connection refused (cp:8005)";
        var outageStart = _time.GetUtcNow();
        Start(jitter: 0);
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the first failure");
        _time.Advance(TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 2 }, "the second failure");

        // Nothing served: the warning must not claim otherwise.
        var failed = _logger.Collector.GetSnapshot().Where(r => r.Id.Id == 5002).ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, r => Assert.Contains("No configuration is served", r.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(_logger.Collector.GetSnapshot(), r => r.Message.Contains("Serving the current configuration", StringComparison.Ordinal));
        Assert.All(_context.States, state => Assert.Equal(outageStart, state.Since));

        // Served: it says which; the outage that starts when the connection is lost keeps its start across attempts.
        _context.Current = new ConfigSnapshot("{}"u8.ToArray(), "abc", ConfigOrigin.Cache, _time.GetUtcNow());
        _connector.FailWith = null;
        _time.Advance(TimeSpan.FromSeconds(5));
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await Wait.UntilAsync(() => _context.Last?.Status == ClusterLinkStatus.Connected, "connected");
        _time.Advance(TimeSpan.FromMinutes(1));
        _connector.FailWith = "Connection refused (cp:8005)";
        var lostAt = _time.GetUtcNow();
        cp.Socket.Abort();
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected }, "the connection is lost");
        _time.Advance(TimeSpan.FromSeconds(5));
        await Wait.UntilAsync(() => _context.Last is { Status: ClusterLinkStatus.Disconnected, Attempts: 1 }, "the reconnect failed");

        var lost = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5003);
        Assert.Contains("Still serving configuration abc", lost.Message, StringComparison.Ordinal);
        Assert.Contains("Still serving configuration abc", _logger.Collector.GetSnapshot().Last(r => r.Id.Id == 5002).Message, StringComparison.Ordinal);
        Assert.Equal(lostAt, _context.Last!.Since);
    }

    [Fact]
    public async Task Only_the_newest_pending_config_is_applied()
    {
        Start(jitter: 0.5);
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        await cp.WelcomeAsync();
        _context.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = _context.Gate;

        await cp.PushAsync("""{"v":1}""");
        await _context.ApplyStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cp.PushAsync("""{"v":2}""");
        await cp.PushAsync("""{"v":3}""");

        // v2 waits in the single pending slot until v3 replaces it.
        await Wait.UntilAsync(() => _logger.Collector.GetSnapshot().Any(r => r.Id.Id == 5006), "v2 is replaced by v3");
        gate.SetResult();

        var first = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        var second = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);
        Assert.Equal("applied", first.GetProperty("outcome").GetString());
        Assert.Equal("""{"v":1}""", first.GetProperty("version").GetString());
        Assert.Equal("""{"v":3}""", second.GetProperty("version").GetString());
        Assert.Equal(["""{"v":1}""", """{"v":3}"""], _context.Applied.ToArray());
    }

    [Theory]
    [InlineData(7, "applied", null)]
    [InlineData(6, "rejected", "BadCompression")]
    [InlineData(8, "rejected", "BadCompression")]
    [InlineData(2_000_000, "rejected", "TooLarge")]
    public async Task A_pushed_config_must_decompress_to_exactly_its_announced_size_within_the_limit(long announced, string outcome, string? reason)
    {
        // The chain's limits, the one place they are set (Resilience:MaxDecompressedBytes), bound what the link decompresses.
        Start(jitter: 0.5, limits: new ConfigLimits(64L * 1024 * 1024, 1_000_000));
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);

        await cp.PushAsync("""{"a":1}""", announced);
        var result = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);

        Assert.Equal(outcome, result.GetProperty("outcome").GetString());
        Assert.Equal(reason, result.TryGetProperty("reason", out var r) ? r.GetString() : null);
        Assert.Equal(outcome == "applied" ? 1 : 0, _context.Applied.Count);
        Assert.Equal(1, _connector.Attempts);
    }

    [Fact]
    public async Task Hello_announces_delta_and_a_delta_from_the_served_config_goes_through_the_chain_whole()
    {
        var served = ConfigPatchTests.RouteDocument(200, edited: -1, indented: true);
        var target = ConfigPatchTests.RouteDocument(200, edited: 42, indented: true);
        _context.Current = new ConfigSnapshot(served, ConfigHash.Compute(served), ConfigOrigin.Cache, _time.GetUtcNow());
        Start(jitter: 0.5);
        var cp = await _connector.NextAsync();
        var hello = await cp.ReceiveAsync(LinkProtocol.Types.Hello);
        Assert.Equal(["delta"], hello.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));

        var patch = ConfigPatchBuilder.Create(served, target, long.MaxValue)!;
        await cp.PushDeltaAsync(ConfigHash.Compute(served), ConfigHash.Compute(target), target.Length, patch);
        var result = await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult);

        Assert.Equal("applied", result.GetProperty("outcome").GetString());
        Assert.Equal(ConfigHash.Compute(target), result.GetProperty("hash").GetString());
        Assert.Equal(System.Text.Encoding.UTF8.GetString(target), Assert.Single(_context.Applied));
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5014);
    }

    public static TheoryData<string, string> BrokenDeltas => new()
    {
        { "base", "base_mismatch" },
        { "patch", "patch_failed" },
        { "hash", "hash_mismatch" },
        { "size", "patch_failed" },
        { "gzip", "bad_compression" },
        { "huge", "too_large" },
    };

    [Theory]
    [MemberData(nameof(BrokenDeltas))]
    public async Task A_delta_that_cannot_make_the_published_config_is_never_applied_and_the_node_asks_for_the_whole(string broken, string reason)
    {
        var served = """{"Routes":{"a":{"Path":"/a"}}}"""u8.ToArray();
        var target = """{"Routes":{"a":{"Path":"/b"}}}"""u8.ToArray();
        var servedHash = ConfigHash.Compute(served);
        _context.Current = new ConfigSnapshot(served, servedHash, ConfigOrigin.Cache, _time.GetUtcNow());
        Start(jitter: 0.5, limits: new ConfigLimits(64L * 1024 * 1024, 1_000_000));
        var cp = await _connector.NextAsync();
        await cp.ReceiveAsync(LinkProtocol.Types.Hello);

        var patch = broken == "patch" ? """[{"op":"replace","path":"/Nope","value":1}]"""u8.ToArray() : ConfigPatchBuilder.Create(served, target, long.MaxValue)!;
        await cp.PushDeltaAsync(
            broken == "base" ? new string('0', 64) : servedHash,
            broken == "hash" ? new string('f', 64) : ConfigHash.Compute(target),
            broken switch { "size" => target.Length + 1, "huge" => 2_000_000, _ => target.Length },
            patch,
            damageGzip: broken == "gzip");
        var request = await cp.ReceiveAsync(LinkProtocol.Types.ConfigRequest);

        Assert.Equal(reason, request.GetProperty("reason").GetString());
        Assert.Equal(servedHash, request.GetProperty("config_hash").GetString());
        Assert.Empty(_context.Applied);
        Assert.Equal(servedHash, _context.Current!.Hash);
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Id == 5015);

        // The whole configuration that answers the request goes through as usual.
        await cp.PushAsync("""{"Routes":{"a":{"Path":"/b"}}}""");
        Assert.Equal("applied", (await cp.ReceiveAsync(LinkProtocol.Types.ApplyResult)).GetProperty("outcome").GetString());
        Assert.Equal(1, _connector.Attempts);
    }

    [Theory]
    [InlineData(30, 30, 5, 10, "HeartbeatTimeout")]
    [InlineData(30, 45, 11, 10, "ReconnectDelayMin")]
    public void Options_that_contradict_each_other_are_refused(int interval, int timeout, int min, int max, string field)
    {
        var options = new ClusterLinkOptions
        {
            Endpoint = new Uri("wss://cp.example.com/v1/outlet"),
            ClientCertificatePath = "dp.crt",
            HeartbeatInterval = TimeSpan.FromSeconds(interval),
            HeartbeatTimeout = TimeSpan.FromSeconds(timeout),
            ReconnectDelayMin = TimeSpan.FromSeconds(min),
            ReconnectDelayMax = TimeSpan.FromSeconds(max),
        };

        var result = new ClusterLinkCrossFieldValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(field, result.FailureMessage);
    }

    [Fact]
    public void Default_options_are_the_reference_timings_and_valid()
    {
        var options = new ClusterLinkOptions { Endpoint = new Uri("wss://cp.example.com/v1/outlet"), ClientCertificatePath = "dp.crt" };

        Assert.Equal(TimeSpan.FromSeconds(30), options.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(45), options.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReconnectDelayMin);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReconnectDelayMax);
        Assert.True(new ClusterLinkCrossFieldValidator().Validate(null, options).Succeeded);
        Assert.True(new ClusterLinkOptionsValidator().Validate(null, options).Succeeded);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _stop.Dispose();
    }

    /// <summary>Waits until the link has taken in <paramref name="count"/> control messages (so the clock is not advanced under it).</summary>
    private Task AnsweredAsync(int count) =>
        Wait.UntilAsync(() => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == 5013) >= count && _context.Last?.Status == ClusterLinkStatus.Connected, $"{count} answers taken in");

    private void Start(double jitter, Action<ClusterLinkOptions>? configure = null, ConfigLimits? limits = null)
    {
        var options = new ClusterLinkOptions { Endpoint = new Uri("wss://cp.test/v1/outlet") };
        configure?.Invoke(options);
        var link = new WebSocketClusterLink(options, _connector, new FixedJitter(jitter), _time, _logger, new ClusterLinkMetrics(null), limits: limits);
        _running = Task.Run(() => link.RunAsync(_context, _stop.Token));
    }
}
