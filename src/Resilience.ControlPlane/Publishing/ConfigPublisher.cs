using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Resilience.ControlPlane;

/// <summary>Holds the latest configuration (hashed, compressed and framed once) and hands it to the hub.</summary>
internal sealed partial class ConfigPublisher : IConfigPublisher
{
    private readonly object _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConfigSigner _signer;
    private readonly ConfigTargets _targets;
    private readonly PrePublishValidation _validation;
    private readonly RolloutCoordinator _rollouts;
    private PublishedConfig? _latest;
    private LicenseDocument? _license;
    private long _sequence;

    public ConfigPublisher(
        TimeProvider timeProvider,
        ILogger<ConfigPublisher> logger,
        ConfigSigner signer,
        ConfigTargets targets,
        PrePublishValidation validation,
        RolloutCoordinator rollouts,
        IControlPlaneBackplane? backplane = null,
        BackplaneMetrics? backplaneMetrics = null,
        ConfigDeltas? deltas = null)
    {
        Deltas = deltas;
        _timeProvider = timeProvider;
        _logger = logger;
        _signer = signer;
        _targets = targets;
        _validation = validation;
        _rollouts = rollouts;
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

    public PublishedConfig? Stable => _targets.Stable;

    public LicenseDocument? License => Volatile.Read(ref _license);

    public void PublishLicense(LicenseDocument license)
    {
        ArgumentNullException.ThrowIfNull(license);
        Volatile.Write(ref _license, license);
        Log.LicensePublished(_logger, license.Subject, ConnectedCount());
        LicensePublished?.Invoke();
    }

    public ValueTask<PublishedConfig> PublishYamlAsync(ReadOnlyMemory<byte> yaml, string? version = null, RolloutPlan? plan = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return PublishAsync(ConvertYaml(yaml), version, plan, cancellationToken);
    }

    public async ValueTask<PublishedConfig> PublishAsync(ReadOnlyMemory<byte> json, string? version = null, RolloutPlan? plan = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var content = json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json;
        CheckJsonObject(content.Span);
        var waves = plan is null ? null : CheckPlan(plan);
        var hash = ConfigHash.Compute(content.Span);

        // The nodes' own checks, before anything changes anywhere: a configuration they would refuse is refused here.
        await _validation.ValidateAsync(content, hash, cancellationToken).ConfigureAwait(false);
        _rollouts.ThrowIfPublishRefused(hash, withPlan: waves is not null);
        var rolloutId = waves is null ? null : RolloutCoordinator.NewRolloutId(hash);
        var compressed = BoundedGzip.Compress(content.Span);
        var signature = _signer.Sign(content.Span);
        var owned = content.ToArray();
        PublishedConfig published;
        if (_backplane is not null)
        {
            published = await PublishToFleetAsync(owned, hash, compressed, signature, version, rolloutId, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            lock (_gate)
            {
                var sequence = ++_sequence;
                var shown = string.IsNullOrWhiteSpace(version) ? sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : version!;
                published = PublishedConfig.Create(sequence, hash, shown, _timeProvider.GetUtcNow(), owned, compressed, signature, rolloutId);
                Volatile.Write(ref _latest, published);
                Deltas?.Add(published);
                _targets.SetLatest(published);
            }

            Log.ConfigPublished(_logger, published.Hash, published.Version, published.Size, published.CompressedSize, ConnectedCount());
            Published?.Invoke(published);
        }

        if (waves is not null)
        {
            await _rollouts.StartAsync(published, waves, actor: null, cancellationToken).ConfigureAwait(false);
        }

        return published;
    }

    private static WavePlan[] CheckPlan(RolloutPlan plan)
    {
        var errors = plan.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"the rollout plan cannot be used: {string.Join("; ", errors)}", nameof(plan));
        }

        return WavePlan.From(plan);
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
