using System.Text.Json;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>Holds the latest configuration (hashed, compressed and framed once) and hands it to the hub.</summary>
internal sealed partial class ConfigPublisher : IConfigPublisher
{
    private readonly object _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConfigSigner _signer;
    private PublishedConfig? _latest;
    private LicenseDocument? _license;
    private long _sequence;

    public ConfigPublisher(TimeProvider timeProvider, ILogger<ConfigPublisher> logger, ConfigSigner signer, IControlPlaneBackplane? backplane = null, BackplaneMetrics? backplaneMetrics = null, ConfigDeltas? deltas = null)
    {
        Deltas = deltas;
        _timeProvider = timeProvider;
        _logger = logger;
        _signer = signer;
        _backplane = backplane;
        _backplaneMetrics = backplaneMetrics;
    }

    /// <summary>Raised (outside any lock) after a publish, with the new latest configuration.</summary>
    public event Action<PublishedConfig>? Published;

    /// <summary>Raised after <see cref="PublishLicense"/>.</summary>
    public event Action? LicensePublished;

    /// <summary>Gets the recent configurations and the deltas between them, when deltas are on.</summary>
    internal ConfigDeltas? Deltas { get; }

    /// <summary>Gets or sets how many data planes the hub has connected, for the log line.</summary>
    internal Func<int> ConnectedCount { get; set; } = static () => 0;

    public PublishedConfig? Latest => Volatile.Read(ref _latest);

    public LicenseDocument? License => Volatile.Read(ref _license);

    public void PublishLicense(LicenseDocument license)
    {
        ArgumentNullException.ThrowIfNull(license);
        Volatile.Write(ref _license, license);
        Log.LicensePublished(_logger, license.Subject, ConnectedCount());
        LicensePublished?.Invoke();
    }

    public ValueTask<PublishedConfig> PublishYamlAsync(ReadOnlyMemory<byte> yaml, string? version = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return PublishAsync(ConvertYaml(yaml), version, cancellationToken);
    }

    public ValueTask<PublishedConfig> PublishAsync(ReadOnlyMemory<byte> json, string? version = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var content = json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json;
        CheckJsonObject(content.Span);
        var hash = ConfigHash.Compute(content.Span);
        var compressed = BoundedGzip.Compress(content.Span);
        var signature = _signer.Sign(content.Span);
        var owned = content.ToArray();
        if (_backplane is not null)
        {
            return PublishToFleetAsync(owned, hash, compressed, signature, version, cancellationToken);
        }

        PublishedConfig published;
        lock (_gate)
        {
            var sequence = ++_sequence;
            var header = new BinaryHeader
            {
                Type = LinkProtocol.Types.Config,
                Hash = hash,
                Version = string.IsNullOrWhiteSpace(version) ? sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : version,
                Timestamp = _timeProvider.GetUtcNow(),
                Encoding = LinkProtocol.Encodings.Gzip,
                Size = content.Length,
                Signature = signature,
            };
            published = new PublishedConfig(sequence, hash, header.Version!, header.Timestamp.Value, owned, LinkFraming.EncodeBinary(header, compressed), compressed.Length)
            {
                Signature = signature,
            };
            Volatile.Write(ref _latest, published);
            Deltas?.Add(published);
        }

        Log.ConfigPublished(_logger, published.Hash, published.Version, published.Size, published.CompressedSize, ConnectedCount());
        Published?.Invoke(published);
        return ValueTask.FromResult(published);
    }

    private byte[] ConvertYaml(ReadOnlyMemory<byte> yaml)
    {
        try
        {
            return YamlToJson.Convert(yaml);
        }
        catch (ConfigFormatException ex)
        {
            Log.YamlRefused(_logger, ex.Reason, ex.Message);
            throw;
        }
    }

    private static void CheckJsonObject(ReadOnlySpan<byte> json)
    {
        try
        {
            // Comments and trailing commas as in appsettings files: nodes accept them too, and the bytes are published as given.
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ArgumentException("a configuration must be a JSON object", nameof(json));
            }

            reader.Skip();
            if (reader.Read())
            {
                throw new ArgumentException("a configuration must be one JSON object", nameof(json));
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"the configuration is not well-formed JSON: {ex.Message}", nameof(json), ex);
        }
    }
}
