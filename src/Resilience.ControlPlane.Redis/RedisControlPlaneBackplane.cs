using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resilience.ControlPlane.Redis;

/// <summary>
/// The backplane on Redis: the fleet's latest configuration in one hash (written by Lua scripts, so revision and content
/// change together), publishes announced on a channel, and one expiring registry report per replica. Connects on first
/// use and reconnects on its own; commands fail at once while Redis is unreachable (nothing is queued to run later).
/// </summary>
internal sealed class RedisControlPlaneBackplane : IControlPlaneBackplane, IAsyncDisposable, IDisposable
{
    private readonly RedisBackplaneOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly RedisKey _configKey;
    private readonly RedisKey _replicasKey;
    private readonly RedisKey _recentKey;
    private readonly string _recentItemPrefix;
    private readonly string _reportPrefix;
    private readonly string _channelName;
    private readonly RedisChannel _channel;
    private ConnectionMultiplexer? _connection;
    private bool _disposed;

    public RedisControlPlaneBackplane(IOptions<RedisBackplaneOptions> options, ILogger<RedisControlPlaneBackplane> logger)
    {
        _options = options.Value;
        _logger = logger;
        _configKey = RedisBackplaneDefaults.ConfigKey(_options.KeyPrefix);
        _replicasKey = RedisBackplaneDefaults.ReplicasKey(_options.KeyPrefix);
        _recentKey = RedisBackplaneDefaults.RecentKey(_options.KeyPrefix);
        _recentItemPrefix = RedisBackplaneDefaults.RecentItemPrefix(_options.KeyPrefix);
        _reportPrefix = RedisBackplaneDefaults.ReportKeyPrefix(_options.KeyPrefix);
        _channelName = RedisBackplaneDefaults.Channel(_options.KeyPrefix);
        _channel = RedisChannel.Literal(_channelName);
    }

    public async ValueTask<long> PublishAsync(BackplaneConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(database.ScriptEvaluateAsync(RedisBackplaneScripts.Publish, [_configKey, _recentKey], Arguments(config)), "publish", cancellationToken).ConfigureAwait(false);
        return (long)result;
    }

    public async ValueTask<bool> RestoreAsync(BackplaneConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(database.ScriptEvaluateAsync(RedisBackplaneScripts.Restore, [_configKey, _recentKey], Arguments(config)), "restore", cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    public ValueTask<BackplaneConfig?> GetLatestAsync(CancellationToken cancellationToken) => ReadConfigAsync(_configKey, "read", cancellationToken);

    public ValueTask<BackplaneConfig?> GetRecentAsync(string hash, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        return ReadConfigAsync(_recentItemPrefix + hash, "read recent", cancellationToken);
    }

    private async ValueTask<BackplaneConfig?> ReadConfigAsync(RedisKey key, string operation, CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = await RunAsync(database.HashGetAllAsync(key), operation, cancellationToken).ConfigureAwait(false);
        if (fields.Length == 0)
        {
            return null;
        }

        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value, StringComparer.Ordinal);
        if (!values.TryGetValue("rev", out var rev) || !rev.TryParse(out long revision)
            || !values.TryGetValue("hash", out var hash) || hash.IsNullOrEmpty
            || !values.TryGetValue("ts", out var ts) || !ts.TryParse(out long unixMs)
            || !values.TryGetValue("size", out var size) || !size.TryParse(out int length)
            || !values.TryGetValue("payload", out var payload) || payload.IsNull)
        {
            // Someone else's data under our key, or a half-written hash: not a configuration. The replicas keep theirs
            // (and write it back, as for a Redis that lost its data).
            RedisBackplaneLog.InvalidStoredConfig(_logger, "a field is missing or not a number");
            return null;
        }

        return new BackplaneConfig
        {
            Revision = revision,
            Hash = hash.ToString(),
            Version = values.TryGetValue("version", out var version) && !version.IsNullOrEmpty ? version.ToString() : null,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(unixMs),
            Size = length,
            Signature = values.TryGetValue("sig", out var signature) && !signature.IsNullOrEmpty ? signature.ToString() : null,
            Payload = (byte[])payload!,
        };
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(Action<long> onChanged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var subscriber = connection.GetSubscriber();
        Action<RedisChannel, RedisValue> handler = (_, message) => onChanged(message.TryParse(out long revision) ? revision : 0);
        EventHandler<ConnectionFailedEventArgs> restored = (_, _) => onChanged(0);
        connection.ConnectionRestored += restored;
        try
        {
            await RunAsync(subscriber.SubscribeAsync(_channel, handler), "subscribe", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            connection.ConnectionRestored -= restored;

            // Not subscribed: drop the handler so a retry does not add a second one.
            await subscriber.UnsubscribeAsync(_channel, handler, CommandFlags.FireAndForget).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        return new Subscription(connection, subscriber, _channel, handler, restored);
    }

    public async ValueTask ReportDataPlanesAsync(string replicaId, IReadOnlyList<DataPlaneInfo> dataPlanes, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(replicaId);
        ArgumentNullException.ThrowIfNull(dataPlanes);
        var report = JsonSerializer.SerializeToUtf8Bytes(dataPlanes.ToArray(), RedisBackplaneJsonContext.Default.DataPlaneInfoArray);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(
            database.ScriptEvaluateAsync(
                RedisBackplaneScripts.Report,
                [_reportPrefix + replicaId, _replicasKey],
                [report, (long)Math.Max(1, timeToLive.TotalMilliseconds), replicaId]),
            "report",
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<DataPlaneInfo>> GetDataPlanesAsync(CancellationToken cancellationToken)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await RunAsync(database.ScriptEvaluateAsync(RedisBackplaneScripts.ReadReports, [_replicasKey], [_reportPrefix]), "read reports", cancellationToken).ConfigureAwait(false);
        var items = (RedisResult[])result!;
        var fleet = new List<DataPlaneInfo>();
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            var replicaId = items[i].ToString();
            try
            {
                var report = JsonSerializer.Deserialize((byte[])items[i + 1]!, RedisBackplaneJsonContext.Default.DataPlaneInfoArray) ?? [];
                fleet.AddRange(report.Where(d => !string.IsNullOrEmpty(d.NodeId)).Select(d => d with { ReplicaId = replicaId }));
            }
            catch (JsonException ex)
            {
                RedisBackplaneLog.InvalidReport(_logger, replicaId, ex.Message);
            }
        }

        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (Interlocked.Exchange(ref _connection, null) is { } connection)
            {
                connection.ConnectionFailed -= OnConnectionFailed;
                connection.ConnectionRestored -= OnConnectionRestored;
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>A container disposed synchronously closes the connection too.</summary>
    public void Dispose()
    {
        _connectGate.Wait();
        try
        {
            _disposed = true;
            if (Interlocked.Exchange(ref _connection, null) is { } connection)
            {
                connection.ConnectionFailed -= OnConnectionFailed;
                connection.ConnectionRestored -= OnConnectionRestored;
                connection.Dispose();
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private RedisValue[] Arguments(BackplaneConfig config) =>
    [
        config.Revision,
        config.Hash,
        config.Version ?? string.Empty,
        config.Timestamp.ToUnixTimeMilliseconds(),
        config.Size,
        config.Signature ?? string.Empty,
        config.Payload,
        _channelName,
        _options.RecentConfigs,
        _recentItemPrefix,
    ];

    /// <summary>Awaits a Redis command with the caller's cancellation; every Redis failure becomes the backplane's typed error.</summary>
    private static async Task<T> RunAsync<T>(Task<T> command, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return await command.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw new ControlPlaneBackplaneException($"Redis {operation} failed: {ex.Message}", ex);
        }
    }

    private static async Task RunAsync(Task command, string operation, CancellationToken cancellationToken) =>
        await RunAsync(command.ContinueWith(static t => { t.GetAwaiter().GetResult(); return true; }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default), operation, cancellationToken).ConfigureAwait(false);

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken) => (await ConnectAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    private async ValueTask<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } connected)
        {
            return connected;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { } existing)
            {
                return existing;
            }

            var configuration = ConfigurationOptions.Parse(_options.Configuration!);

            // Connect in the background and keep reconnecting; fail commands at once while disconnected, so a publish
            // that was reported failed is never run later from a backlog.
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.ConnectTimeout = (int)_options.ConnectTimeout.TotalMilliseconds;
            configuration.AsyncTimeout = (int)_options.OperationTimeout.TotalMilliseconds;
            configuration.SyncTimeout = (int)_options.OperationTimeout.TotalMilliseconds;
            configuration.ClientName ??= RedisBackplaneDefaults.ClientName;
            RedisBackplaneLog.Connecting(_logger, string.Join(",", configuration.EndPoints), _options.KeyPrefix);
            var connecting = ConnectionMultiplexer.ConnectAsync(configuration);
            ConnectionMultiplexer connection;
            try
            {
                connection = await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client has no token: a connect given up on still completes, and its connection is closed then.
                _ = connecting.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                throw;
            }

            connection.ConnectionFailed += OnConnectionFailed;
            connection.ConnectionRestored += OnConnectionRestored;
            Volatile.Write(ref _connection, connection);
            return connection;
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            throw new ControlPlaneBackplaneException($"Redis connect failed: {ex.Message}", ex);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        RedisBackplaneLog.ConnectionFailed(_logger, e.ConnectionType.ToString(), e.EndPoint?.ToString(), e.FailureType.ToString(), e.Exception?.Message);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) =>
        RedisBackplaneLog.ConnectionRestored(_logger, e.ConnectionType.ToString(), e.EndPoint?.ToString());

    /// <summary>One subscription: the channel handler and the reconnect notification, removed together.</summary>
    private sealed class Subscription(
        ConnectionMultiplexer connection,
        ISubscriber subscriber,
        RedisChannel channel,
        Action<RedisChannel, RedisValue> handler,
        EventHandler<ConnectionFailedEventArgs> restored) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            connection.ConnectionRestored -= restored;
            try
            {
                await subscriber.UnsubscribeAsync(channel, handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // Redis is gone or the connection closed: the subscription went with it.
            }
        }
    }
}
