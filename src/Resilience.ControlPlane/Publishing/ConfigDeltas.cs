using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>
/// The last published configurations (at most <see cref="DataPlaneHubOptions.DeltaHistory"/>, within
/// <see cref="DataPlaneHubOptions.DeltaHistoryMaxBytes"/> of JSON) and the <c>config_delta</c> messages from each of
/// them to what a node should serve: the latest, or during a staged rollout the fleet's stable configuration for the
/// nodes outside the started waves (and for those it rolls back). Each is built once per base and target on first
/// demand and shared by every session whose node serves that base. A delta is kept only when it gives the target's
/// exact bytes and is under half the whole configuration's message.
/// </summary>
internal sealed class ConfigDeltas
{
    private readonly object _gate = new();
    private readonly LinkedList<PublishedConfig> _recent = new();
    private readonly Dictionary<string, Task<byte[]?>> _deltas = new(StringComparer.Ordinal);
    private readonly int _history;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _bytes;

    private readonly IControlPlaneBackplane? _backplane;

    public ConfigDeltas(IOptions<DataPlaneHubOptions> options, ILogger<ConfigDeltas> logger, TimeProvider time, IControlPlaneBackplane? backplane = null)
        : this(options.Value.DeltaHistory, options.Value.DeltaHistoryMaxBytes, logger, time, backplane)
    {
    }

    internal ConfigDeltas(int history, long maxBytes, ILogger logger, TimeProvider time, IControlPlaneBackplane? backplane = null)
    {
        _backplane = backplane;
        _history = history;
        _maxBytes = maxBytes;
        _logger = logger;
        _time = time;
    }

    /// <summary>Gets how many configurations are kept as bases now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _recent.Count;
            }
        }
    }

    /// <summary>Records the new latest configuration; the oldest ones go beyond the count or bytes.</summary>
    public void Add(PublishedConfig latest)
    {
        if (_history == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_recent.Last?.Value is { } last && last.Hash == latest.Hash && last.Sequence == latest.Sequence)
            {
                return;
            }

            _recent.AddLast(latest);
            _bytes += latest.Size;
            while (_recent.Count > 1 && (_recent.Count > _history + 1 || _bytes > _maxBytes))
            {
                _bytes -= _recent.First!.Value.Size;
                _recent.RemoveFirst();
            }

            // Deltas go to the latest or to the stable one, both among the recent ones: built again on demand.
            _deltas.Clear();
        }
    }

    /// <summary>A configuration kept as a base, by hash, or <see langword="null"/>.</summary>
    public PublishedConfig? Find(string hash)
    {
        lock (_gate)
        {
            for (var node = _recent.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Hash == hash)
                {
                    return node.Value;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The <c>config_delta</c> message from the configuration with hash <paramref name="baseHash"/> to <paramref name="target"/>
    /// (one of the recent configurations; its header carries the target's rollout id, if any), or <see langword="null"/>
    /// when there is none to send (base or target unknown, deltas off, or a delta not worth it): send the whole configuration.
    /// </summary>
    public Task<byte[]?> GetAsync(string baseHash, PublishedConfig target)
    {
        lock (_gate)
        {
            if (_history == 0 || baseHash == target.Hash || Find(target.Hash) is null)
            {
                return Task.FromResult<byte[]?>(null);
            }

            // The same bytes go as a rollout's candidate (with its id) and, once it completed, as the stable configuration (without).
            var key = $"{baseHash}>{target.Hash}>{target.RolloutId}>{target.Bake}";
            if (_deltas.TryGetValue(key, out var known))
            {
                return known;
            }

            var from = Find(baseHash);
            var built = from is not null ? Task.Run(() => Build(from, target))
                : _backplane is not null ? Task.Run(() => FetchAndBuildAsync(baseHash, target))
                : Task.FromResult<byte[]?>(null);
            _deltas[key] = built;
            return built;
        }
    }

    /// <summary>
    /// A base another replica published (the node moved here): read from the backplane, checked against its hash like any
    /// configuration from it, then diffed. A backplane that cannot answer costs a whole configuration, not an error.
    /// </summary>
    private async Task<byte[]?> FetchAndBuildAsync(string baseHash, PublishedConfig target)
    {
        BackplaneConfig? shared;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            shared = await _backplane!.GetRecentAsync(baseHash, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ControlPlaneBackplaneException or OperationCanceledException)
        {
            Log.DeltaNotWorthIt(_logger, baseHash, target.Hash, $"the backplane could not be read: {ex.Message}");
            return null;
        }

        if (shared is null || shared.Hash != baseHash || ConfigPublisher.Verify(shared, out var json) is not null)
        {
            Log.DeltaNotWorthIt(_logger, baseHash, target.Hash, shared is null ? "the backplane does not keep it" : "the backplane's copy does not match its hash");
            return null;
        }

        var from = new PublishedConfig(shared.Revision, shared.Hash, shared.Version ?? string.Empty, shared.Timestamp, json!, [], shared.Payload.Length);
        return Build(from, target);
    }

    private byte[]? Build(PublishedConfig from, PublishedConfig target)
    {
        var started = _time.GetTimestamp();
        try
        {
            // A patch over a quarter of the document would not compress to half the message; don't write it out.
            var patch = ConfigPatchBuilder.Create(from.Json, target.Json, target.Size / 4);
            if (patch is null)
            {
                Log.DeltaNotWorthIt(_logger, from.Hash, target.Hash, "no byte-exact patch within a quarter of the document");
                return null;
            }

            var compressed = BoundedGzip.Compress(patch);
            if ((long)compressed.Length * 2 > target.CompressedSize)
            {
                Log.DeltaNotWorthIt(_logger, from.Hash, target.Hash, $"the patch compresses to {compressed.Length} bytes against {target.CompressedSize} for the whole configuration");
                return null;
            }

            var header = new BinaryHeader
            {
                Type = LinkProtocol.Types.ConfigDelta,
                Hash = target.Hash,
                Version = target.Version,
                Timestamp = target.Timestamp,
                Encoding = LinkProtocol.Encodings.Gzip,
                Size = patch.Length,
                Signature = target.Signature,
                BaseHash = from.Hash,
                TargetSize = target.Size,
                Rollout = target.RolloutId,
                Bake = BakeRequestHeader.From(target.Bake),
            };
            var message = LinkFraming.EncodeBinary(header, compressed);
            Log.DeltaBuilt(_logger, from.Hash, target.Hash, patch.Length, message.Length, target.Message.Length, _time.GetElapsedTime(started));
            return message;
        }
        catch (Exception ex)
        {
            // A delta is an optimisation: whatever goes wrong (out of memory included), the whole configuration goes instead.
            Log.DeltaNotWorthIt(_logger, from.Hash, target.Hash, $"{ex.GetType().Name}: {ex.Message}");
            return null;
        }
    }
}
