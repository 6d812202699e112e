using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ControlPlane;

/// <summary>A configuration the control plane published: what every data plane should serve.</summary>
public sealed class PublishedConfig
{
    private readonly List<PublishedConfig> _withBake = [];

    internal PublishedConfig(long sequence, string hash, string version, DateTimeOffset timestamp, ReadOnlyMemory<byte> json, byte[] message, int compressedSize)
    {
        Json = json;
        Sequence = sequence;
        Hash = hash;
        Version = version;
        Timestamp = timestamp;
        Size = json.Length;
        Message = message;
        CompressedSize = compressedSize;
    }

    /// <summary>Gets the lowercase hex SHA-256 of the JSON (the same hash the data planes report).</summary>
    public string Hash { get; }

    /// <summary>Gets the version given at publish time, or the publish sequence number.</summary>
    public string Version { get; }

    /// <summary>Gets when it was published.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the size of the JSON in bytes.</summary>
    public int Size { get; }

    /// <summary>Gets the control plane's signature of the JSON, or <see langword="null"/> when it does not sign.</summary>
    public string? Signature { get; init; }

    /// <summary>Gets the size of the gzip payload sent to data planes.</summary>
    public int CompressedSize { get; }

    /// <summary>
    /// Gets the id of the staged rollout this configuration was published with, while it is that rollout's candidate;
    /// <see langword="null"/> for a configuration published to everyone at once, or once its rollout completed.
    /// </summary>
    public string? RolloutId { get; private init; }

    /// <summary>Gets the stricter bake the header asks the node for (a rollout wave's <see cref="RolloutWave.NodeBake"/>), or <see langword="null"/>.</summary>
    internal BakeRequest? Bake { get; private init; }

    /// <summary>Gets the publish sequence number: higher is newer.</summary>
    internal long Sequence { get; }

    /// <summary>Gets the JSON (a copy the publisher owns): what the fallback-store export uploads.</summary>
    internal ReadOnlyMemory<byte> Json { get; }

    /// <summary>Gets the whole binary message, encoded once and sent to every data plane.</summary>
    internal byte[] Message { get; }

    /// <summary>Gets the gzip payload: the tail of <see cref="Message"/>, after its header.</summary>
    internal ReadOnlyMemory<byte> Compressed => Message.AsMemory(Message.Length - CompressedSize);

    /// <summary>Encodes a configuration message once: the header (with the rollout id while it is a rollout's candidate) and the gzip payload.</summary>
    internal static PublishedConfig Create(long sequence, string hash, string version, DateTimeOffset timestamp, ReadOnlyMemory<byte> json, ReadOnlySpan<byte> compressed, string? signature, string? rolloutId, BakeRequest? bake = null)
    {
        var header = new BinaryHeader
        {
            Type = LinkProtocol.Types.Config,
            Hash = hash,
            Version = version,
            Timestamp = timestamp,
            Encoding = LinkProtocol.Encodings.Gzip,
            Size = json.Length,
            Signature = signature,
            Rollout = rolloutId,
            Bake = BakeRequestHeader.From(bake),
        };
        return new PublishedConfig(sequence, hash, version, timestamp, json, LinkFraming.EncodeBinary(header, compressed), compressed.Length)
        {
            Signature = signature,
            RolloutId = rolloutId,
            Bake = bake,
        };
    }

    /// <summary>
    /// The same candidate with a wave's stricter bake in its header: encoded once per distinct bake (a plan has a few
    /// waves) and kept with this configuration; itself when there is no bake to ask for.
    /// </summary>
    internal PublishedConfig WithBake(BakeRequest? bake)
    {
        if (bake is null || bake == Bake || RolloutId is null)
        {
            return this;
        }

        lock (_withBake)
        {
            foreach (var known in _withBake)
            {
                if (known.Bake == bake)
                {
                    return known;
                }
            }

            var made = Create(Sequence, Hash, Version, Timestamp, Json, Compressed.Span, Signature, RolloutId, bake);
            _withBake.Add(made);
            return made;
        }
    }

    /// <summary>The same configuration as the fleet's stable one: the same sequence and bytes, sent without the rollout id.</summary>
    internal PublishedConfig AsStable() =>
        RolloutId is null ? this : Create(Sequence, Hash, Version, Timestamp, Json, Compressed.Span, Signature, rolloutId: null);
}
