using System.Text.Json;
using System.Text.Json.Serialization;
using Yarp.ReverseProxy.Configuration;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Reads YARP's own configuration shape from UTF-8 JSON in one forward pass: the object an appsettings file holds
/// under <c>"ReverseProxy"</c> (<c>Routes</c> and <c>Clusters</c> keyed by id, string enums such as
/// <c>"Mode": "ExactHeader"</c>, names in any case), or a whole document with a <c>ReverseProxy</c> property.
/// Arrays of routes and clusters that carry their own <c>RouteId</c>/<c>ClusterId</c> are read as well.
/// Routes go straight into <see cref="RouteConfig"/> (<see cref="RouteConfigReader"/>); clusters, a few hundred at
/// most, through System.Text.Json's converter for <see cref="ClusterConfig"/> on the same reader.
/// </summary>
/// <remarks>
/// Given the configuration YARP routes with now (<see cref="ProxyConfigBaseline"/>), a route or cluster whose bytes are
/// identical to its bytes there (same id) is not parsed again: the served instance is taken as it is. YARP compares
/// routes and clusters with the served ones and rebuilds only what differs, and the validator skips instances that
/// already passed YARP's validators, so an edit of one route of 20,000 costs one route's work past the scan.
/// </remarks>
internal static partial class ReverseProxyConfigParser
{
    private static readonly JsonSerializerOptions ClusterOptions = CreateClusterOptions();
    private static readonly JsonConverter<ClusterConfig> ClusterConverter = (JsonConverter<ClusterConfig>)ClusterOptions.GetConverter(typeof(ClusterConfig));

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        // As YARP's JSON configuration provider: comments and trailing commas allowed.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private delegate T ItemReader<T>(ref Utf8JsonReader reader, string? id, Utf8StringPool pool);

    /// <summary>Parses a configuration.</summary>
    /// <param name="json">UTF-8 JSON, already known to be well-formed.</param>
    /// <param name="config">The routes and clusters, when parsed.</param>
    /// <param name="error">Why it could not be parsed, otherwise.</param>
    /// <returns>Whether it was parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, out ReverseProxyConfig config, out string? error) =>
        TryParse(json, null, out config, out error);

    /// <summary>Parses a configuration, taking unchanged routes and clusters from <paramref name="baseline"/>.</summary>
    /// <param name="json">UTF-8 JSON, already known to be well-formed.</param>
    /// <param name="baseline">The configuration YARP routes with and the bytes it was parsed from, if any.</param>
    /// <param name="config">The routes and clusters, when parsed.</param>
    /// <param name="error">Why it could not be parsed, otherwise.</param>
    /// <returns>Whether it was parsed.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, ProxyConfigBaseline? baseline, out ReverseProxyConfig config, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail("the document must be a JSON object", out config, out error);
            }

            var context = new ParseContext(json, baseline);
            var section = ReadSection(ref reader, ref context);
            if (section.Routes is null && section.Clusters is null)
            {
                return Fail("neither Routes nor Clusters (nor a ReverseProxy section holding them) was found", out config, out error);
            }

            config = new ReverseProxyConfig(section.Routes?.Items ?? [], section.Clusters?.Items ?? [])
            {
                Sources = new ConfigSources(section.Routes?.Sources, section.Clusters?.Sources, context.ReusedRoutes, context.ReusedClusters) { Compared = context.Compared },
            };
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            return Fail(ex.Message, out config, out error);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // Converters of YARP's value types (TimeSpan, Version, Uri) report bad values with these.
            return Fail(ex.Message, out config, out error);
        }
    }

    private static bool Fail(string reason, out ReverseProxyConfig config, out string? error)
    {
        config = ReverseProxyConfig.Empty;
        error = $"not a YARP configuration: {reason}";
        return false;
    }

    /// <summary>The document: the section itself, or an appsettings-like document holding it under <c>ReverseProxy</c>.</summary>
    private static Section ReadSection(ref Utf8JsonReader reader, ref ParseContext context)
    {
        Keyed<RouteConfig>? routes = null;
        Keyed<ClusterConfig>? clusters = null;
        Section? nested = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Name(ref reader);
            reader.Read();
            if (Is(name, "Routes"u8))
            {
                routes = ReadKeyed(ref reader, ref context, "route", context.Baseline?.Model.Routes, context.Baseline?.Model.Sources?.Routes, static (ref Utf8JsonReader r, string? id, Utf8StringPool pool) => RouteConfigReader.Read(ref r, id, pool), static route => route.RouteId);
            }
            else if (Is(name, "Clusters"u8))
            {
                clusters = ReadKeyed(ref reader, ref context, "cluster", context.Baseline?.Model.Clusters, context.Baseline?.Model.Sources?.Clusters, static (ref Utf8JsonReader r, string? id, Utf8StringPool _) => ReadCluster(ref r, id), static cluster => cluster.ClusterId);
            }
            else if (Is(name, "ReverseProxy"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                nested = ReadSection(ref reader, ref context);
            }
            else
            {
                reader.Skip();
            }
        }

        return nested ?? new Section(routes, clusters);
    }

    private static Keyed<T>? ReadKeyed<T>(
        ref Utf8JsonReader reader,
        ref ParseContext context,
        string kind,
        IReadOnlyList<T>? baselineItems,
        IReadOnlyDictionary<string, SourceRange>? baselineSources,
        ItemReader<T> read,
        Func<T, string?> getId)
        where T : class
    {
        var items = new List<T>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                var sources = new Dictionary<string, SourceRange>(StringComparer.Ordinal);
                var runs = UnchangedRun<T>.Plan(ref context, baselineItems, baselineSources, kind);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var keyAt = context.Offset + (int)reader.TokenStartIndex;
                    var id = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        throw new JsonException($"{kind} '{id}' is null");
                    }

                    var start = context.Offset + (int)reader.TokenStartIndex;
                    if (runs?.TakeSuffix(ref reader, ref context, keyAt, id, start, items, sources, ids) == true)
                    {
                        continue;
                    }

                    var item = Unchanged(ref reader, ref context, id, start, baselineItems, baselineSources) ?? ReadItem(ref reader, ref context, kind, id, read);
                    if (!ids.Add(id))
                    {
                        throw new JsonException($"duplicate {kind} id '{id}' (ids are compared ignoring case)");
                    }

                    var length = context.Offset + (int)reader.BytesConsumed - start;
                    sources[id] = new SourceRange(start, length, items.Count);
                    items.Add(item);
                    runs?.TakePrefix(ref reader, ref context, id, start, length, items, sources, ids);
                }

                return new Keyed<T>(items, sources);
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        throw new JsonException($"{kind} #{items.Count} is null");
                    }

                    var item = ReadItem(ref reader, ref context, kind, null, read);

                    // A missing id is left to YARP's validator, which names it; only duplicates are caught here.
                    if (getId(item) is { Length: > 0 } id && !ids.Add(id))
                    {
                        throw new JsonException($"duplicate {kind} id '{id}' (ids are compared ignoring case)");
                    }

                    items.Add(item);
                }

                return new Keyed<T>(items, null);
            default:
                throw new JsonException($"the {kind}s must be an object keyed by id (or an array), not {reader.TokenType}");
        }
    }

    /// <summary>
    /// The baseline's instance when this item's bytes are the baseline's bytes for the same id (the reader is then on
    /// the item's end), otherwise <see langword="null"/> with the reader where it was.
    /// </summary>
    private static T? Unchanged<T>(ref Utf8JsonReader reader, ref ParseContext context, string id, int start, IReadOnlyList<T>? baselineItems, IReadOnlyDictionary<string, SourceRange>? baselineSources)
        where T : class
    {
        if (baselineItems is null || baselineSources is null || !baselineSources.TryGetValue(id, out var range) || (uint)range.Index >= (uint)baselineItems.Count)
        {
            return null;
        }

        var baselineBytes = context.Baseline!.Payload.Span;
        if ((uint)range.Start > (uint)baselineBytes.Length || (uint)range.Length > (uint)(baselineBytes.Length - range.Start))
        {
            return null;
        }

        var atStart = reader;
        context.Compared++;
        reader.Skip();
        var length = context.Offset + (int)reader.BytesConsumed - start;
        if (length == range.Length && context.Json.Slice(start, length).SequenceEqual(baselineBytes.Slice(range.Start, range.Length)))
        {
            context.Reused<T>();
            return baselineItems[range.Index];
        }

        reader = atStart;
        return null;
    }

    private static T ReadItem<T>(ref Utf8JsonReader reader, ref ParseContext context, string kind, string? id, ItemReader<T> read)
    {
        try
        {
            return read(ref reader, id, context.Pool);
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{kind} '{id ?? "#?"}': {ex.Message}", ex);
        }
    }

    private static ClusterConfig ReadCluster(ref Utf8JsonReader reader, string? id)
    {
        // The converter itself, not JsonSerializer.Deserialize(ref reader): that one first skips over the value to
        // find its end and then reads it again.
        var cluster = ClusterConverter.Read(ref reader, typeof(ClusterConfig), ClusterOptions) ?? throw new JsonException("a cluster must be an object");
        return id is null ? cluster : cluster with { ClusterId = id };
    }

    private static JsonSerializerOptions CreateClusterOptions()
    {
        var options = new JsonSerializerOptions
        {
            // As YARP's configuration binder: names in any case, enums by name (or number), comments allowed.
            PropertyNameCaseInsensitive = true,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };

        // Before the enum converter, which would otherwise claim SslProtocols too.
        options.Converters.Add(new SslProtocolsConverter());
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new LenientVersionConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed record Keyed<T>(List<T> Items, Dictionary<string, SourceRange>? Sources);

    private sealed record Section(Keyed<RouteConfig>? Routes, Keyed<ClusterConfig>? Clusters);

    /// <summary>One parse: the bytes, the baseline, the strings, and how much was taken from the baseline.</summary>
    private ref struct ParseContext
    {
        public readonly ReadOnlySpan<byte> Json;
        public readonly ProxyConfigBaseline? Baseline;
        public readonly Utf8StringPool Pool = new();
        public int ReusedRoutes;
        public int ReusedClusters;
        public int Compared;

        /// <summary>Where the reader's span starts in <see cref="Json"/> (not 0 once it jumped over members that did not change).</summary>
        public int Offset;

        /// <summary>The document's bytes before this offset are the baseline's.</summary>
        public readonly int PrefixEnd;

        /// <summary>The document's bytes from this offset on are the baseline's from <c>SuffixStart - Shift</c> on.</summary>
        public readonly int SuffixStart;

        /// <summary>This document's length less the baseline's.</summary>
        public readonly int Shift;

        public ParseContext(ReadOnlySpan<byte> json, ProxyConfigBaseline? baseline)
        {
            Json = json;
            Baseline = baseline;
            SuffixStart = json.Length;
            if (baseline is not null)
            {
                // One vectorised comparison of the whole document: what lies before the first and after the last
                // changed byte is the baseline's, so the routes there are taken without being read or compared.
                var previous = baseline.Payload.Span;
                PrefixEnd = json.CommonPrefixLength(previous);
                SuffixStart = json.Length - CommonBytes.SuffixLength(json[PrefixEnd..], previous[PrefixEnd..]);
                Shift = json.Length - previous.Length;
            }
        }

        public void Reused<T>()
        {
            if (typeof(T) == typeof(RouteConfig))
            {
                ReusedRoutes++;
            }
            else
            {
                ReusedClusters++;
            }
        }
    }
}
