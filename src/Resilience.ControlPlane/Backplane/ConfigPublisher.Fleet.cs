using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>The publisher's side of a backplane: publishes go through it, and the replica adopts what it hears from it.</summary>
internal sealed partial class ConfigPublisher
{
    private readonly IControlPlaneBackplane? _backplane;
    private readonly BackplaneMetrics? _backplaneMetrics;
    private BackplaneConfig? _latestShared;

    /// <summary>Gets the latest configuration in the backplane's terms (with a backplane only).</summary>
    internal BackplaneConfig? LatestShared => Volatile.Read(ref _latestShared);

    /// <summary>
    /// Serves a configuration from the fleet when it comes after the latest one (revision, then hash); a received one
    /// is checked against its hash and size first. Returns what it built, served or not.
    /// </summary>
    internal PublishedConfig? Adopt(BackplaneConfig shared, bool received) => Adopt(shared, received, json: null);

    private PublishedConfig? Adopt(BackplaneConfig shared, bool received, byte[]? json)
    {
        // A received config is decoded to be checked; the JSON is kept for the fallback-store export.
        if ((json is null || received) && Verify(shared, out json) is { } why)
        {
            BackplaneLog.ConfigRefused(_logger, shared.Hash, shared.Revision, why);
            _backplaneMetrics?.RecordRefused();
            return null;
        }

        var header = new BinaryHeader
        {
            Type = LinkProtocol.Types.Config,
            Hash = shared.Hash,
            Version = string.IsNullOrWhiteSpace(shared.Version) ? shared.Revision.ToString(CultureInfo.InvariantCulture) : shared.Version,
            Timestamp = shared.Timestamp,
            Encoding = LinkProtocol.Encodings.Gzip,
            Size = shared.Size,
            Signature = shared.Signature,
        };
        var published = new PublishedConfig(shared.Revision, shared.Hash, header.Version!, shared.Timestamp, json!, LinkFraming.EncodeBinary(header, shared.Payload.Span), shared.Payload.Length)
        {
            Signature = shared.Signature,
        };
        bool adopted;
        lock (_gate)
        {
            var latest = Volatile.Read(ref _latest);
            adopted = BackplaneConfig.Follows(shared.Revision, shared.Hash, latest?.Sequence, latest?.Hash);
            if (adopted)
            {
                Volatile.Write(ref _latestShared, shared);
                Volatile.Write(ref _latest, published);
                Deltas?.Add(published);
            }
        }

        if (!adopted)
        {
            // The same one already served is this publish's own announcement that came back first: not superseded.
            if (!received && !(Latest is { } same && same.Sequence == shared.Revision && same.Hash == shared.Hash))
            {
                BackplaneLog.PublishSuperseded(_logger, shared.Hash, shared.Revision, Latest?.Hash, Latest?.Sequence ?? 0);
            }

            return published;
        }

        if (received)
        {
            _backplaneMetrics?.RecordReceived();
            BackplaneLog.ConfigReceived(_logger, shared.Hash, shared.Revision, published.Version, ConnectedCount());
        }
        else
        {
            Log.ConfigPublished(_logger, published.Hash, published.Version, published.Size, published.CompressedSize, ConnectedCount());
        }

        Published?.Invoke(published);
        return published;
    }

    private async ValueTask<PublishedConfig> PublishToFleetAsync(byte[] json, string hash, byte[] compressed, string? signature, string? version, CancellationToken cancellationToken)
    {
        var draft = new BackplaneConfig
        {
            Revision = Latest?.Sequence ?? 0,
            Hash = hash,
            Version = string.IsNullOrWhiteSpace(version) ? null : version,
            Timestamp = _timeProvider.GetUtcNow(),
            Size = json.Length,
            Signature = signature,
            Payload = compressed,
        };
        using var activity = BackplaneActivities.StartPublish(hash);
        long revision;
        try
        {
            revision = await _backplane!.PublishAsync(draft, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Nothing was stored: no replica serves it, and this one keeps what it serves (docs: several control planes).
            var error = ex as ControlPlaneBackplaneException ?? new ControlPlaneBackplaneException($"the publish did not reach the backplane: {ex.Message}", ex);
            BackplaneLog.PublishFailed(_logger, hash, error.Message);
            _backplaneMetrics?.RecordPublish(succeeded: false);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            if (ReferenceEquals(error, ex))
            {
                throw;
            }

            throw error;
        }

        activity?.SetTag(BackplaneActivities.RevisionTag, revision);
        _backplaneMetrics?.RecordPublish(succeeded: true);
        return Adopt(draft with { Revision = revision }, received: false, json)!;
    }

    /// <summary>A configuration read from the backplane is what nodes will get: it must be what it says it is.</summary>
    internal static string? Verify(BackplaneConfig shared, out byte[]? json)
    {
        json = null;
        if (shared.Revision <= 0 || shared.Size < 0 || shared.Hash.Length != 64)
        {
            return "its revision, size or hash is not valid";
        }

        try
        {
            var decoded = BoundedGzip.Decompress(shared.Payload, Math.Min(shared.Size, BackplaneDefaults.MaxConfigBytes), sizeHint: shared.Size);
            if (decoded.Length != shared.Size || !string.Equals(ConfigHash.Compute(decoded), shared.Hash, StringComparison.Ordinal))
            {
                return "its content does not match its hash and size";
            }

            json = decoded;
        }
        catch (GzipContentException ex)
        {
            return $"its payload is not a valid gzip document: {ex.Message}";
        }

        return null;
    }
}
