using System.Text.Json;
using Yarp.ReverseProxy.Configuration;
using static Resilience.Yarp.JsonValues;

namespace Resilience.Yarp;

/// <summary>
/// Reads YARP's own configuration shape from UTF-8 JSON in one forward pass, into the routes and clusters YARP's own
/// loader (<c>LoadFromConfig</c>) builds from the same document: the object an appsettings file holds under
/// <c>"ReverseProxy"</c> (<c>Routes</c> and <c>Clusters</c> keyed by id), or a whole appsettings document with a
/// <c>ReverseProxy</c> property (then only that section is read; the rest is checked as the binder would load it).
/// Routes go straight into <see cref="RouteConfig"/> (<see cref="RouteConfigReader"/>), clusters into
/// <see cref="ClusterConfig"/> (<see cref="ClusterConfigReader"/>). Where the binder would read a document differently
/// from what it says (a key with <c>:</c>, a key given twice, a value of the wrong shape), the document is refused
/// and the error names the rule (<see cref="StricterRules"/>).
/// </summary>
/// <remarks>
/// Given the configuration YARP routes with now (<see cref="ProxyConfigBaseline"/>), a route or cluster whose bytes are
/// identical to its bytes there (same id) is not parsed again: the served instance is taken as it is. YARP compares
/// routes and clusters with the served ones and rebuilds only what differs, and the validator skips instances that
/// already passed YARP's validators, so an edit of one route of 20,000 costs one route's work past the scan.
/// </remarks>
internal static partial class ReverseProxyConfigParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        // As YARP's JSON configuration provider: comments and trailing commas allowed, 64 levels deep at most.
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    private static readonly PropertyNames DocumentNames = new("ReverseProxy", "Routes", "Clusters");
    private static readonly PropertyNames SectionNames = new("Routes", "Clusters");

    private delegate T ItemReader<T>(ref Utf8JsonReader reader, string id, Utf8StringPool pool);

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
            var section = ReadDocument(ref reader, ref context);
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
            return Fail(ex.Message, out config, out error);
        }
    }

    private static bool Fail(string reason, out ReverseProxyConfig config, out string? error)
    {
        config = ReverseProxyConfig.Empty;
        error = $"not a YARP configuration: {reason}";
        return false;
    }

    /// <summary>
    /// The document: the section itself, or an appsettings document holding it under <c>ReverseProxy</c> (any case).
    /// Which one is known only once every top-level key was seen, so top-level <c>Routes</c> and <c>Clusters</c> are
    /// read as they come; if they fail and the document turns out to hold a <c>ReverseProxy</c> section (which is all
    /// YARP reads then), their error does not count.
    /// </summary>
    private static Section ReadDocument(ref Utf8JsonReader reader, ref ParseContext context)
    {
        Keyed<RouteConfig>? routes = null;
        Keyed<ClusterConfig>? clusters = null;
        Section? nested = null;
        JsonException? deferred = null;
        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, DocumentNames, ref keys, out var index))
        {
            if (index == 0)
            {
                nested = ReadSection(ref reader, ref context);
            }
            else if (index > 0 && nested is null)
            {
                var start = reader;
                try
                {
                    if (index == 1)
                    {
                        routes = ReadRoutes(ref reader, ref context);
                    }
                    else
                    {
                        clusters = ReadClusters(ref reader, ref context);
                    }
                }
                catch (JsonException ex) when (ex is not KeyRuleException)
                {
                    deferred ??= ex;
                    reader = start;
                    ObjectKeys.Skip(ref reader);
                }
            }
            else
            {
                ObjectKeys.Skip(ref reader);
            }
        }

        if (nested is not null)
        {
            return nested;
        }

        return deferred is null ? new Section(routes, clusters) : throw deferred;
    }

    /// <summary>The <c>ReverseProxy</c> section of an appsettings document; null, <c>{}</c> and <c>[]</c> are an empty one.</summary>
    private static Section ReadSection(ref Utf8JsonReader reader, ref ParseContext context)
    {
        if (Container(ref reader, JsonTokenType.StartObject, "ReverseProxy", "an object") != ContainerValue.Open)
        {
            return new Section(null, null);
        }

        Keyed<RouteConfig>? routes = null;
        Keyed<ClusterConfig>? clusters = null;
        var keys = default(ObjectKeys);
        while (NextProperty(ref reader, SectionNames, ref keys, out var index))
        {
            switch (index)
            {
                case 0:
                    routes = ReadRoutes(ref reader, ref context);
                    break;
                case 1:
                    clusters = ReadClusters(ref reader, ref context);
                    break;
                default:
                    ObjectKeys.Skip(ref reader);
                    break;
            }
        }

        return new Section(routes, clusters);
    }

    private static Keyed<RouteConfig>? ReadRoutes(ref Utf8JsonReader reader, ref ParseContext context) =>
        ReadKeyed(ref reader, ref context, "route", context.Baseline?.Model.Routes, context.Baseline?.Model.Sources?.Routes, static (ref Utf8JsonReader r, string id, Utf8StringPool pool) => RouteConfigReader.Read(ref r, id, pool));

    private static Keyed<ClusterConfig>? ReadClusters(ref Utf8JsonReader reader, ref ParseContext context) =>
        ReadKeyed(ref reader, ref context, "cluster", context.Baseline?.Model.Clusters, context.Baseline?.Model.Sources?.Clusters, static (ref Utf8JsonReader r, string id, Utf8StringPool pool) => ClusterConfigReader.Read(ref r, id, pool));

    /// <summary>Routes or clusters: an object keyed by id (the id is the key, as in YARP's loader); null, <c>{}</c> and <c>[]</c> are none.</summary>
    private static Keyed<T>? ReadKeyed<T>(
        ref Utf8JsonReader reader,
        ref ParseContext context,
        string kind,
        IReadOnlyList<T>? baselineItems,
        IReadOnlyDictionary<string, SourceRange>? baselineSources,
        ItemReader<T> read)
        where T : class
    {
        // The binder would number a list's entries and take "0", "1", ... as ids: refused, ids are names.
        if (Container(ref reader, JsonTokenType.StartObject, $"{kind}s", "an object keyed by id") != ContainerValue.Open)
        {
            return null;
        }

        var items = new List<T>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var sources = new Dictionary<string, SourceRange>(StringComparer.Ordinal);
        var runs = UnchangedRun<T>.Plan(ref context, baselineItems, baselineSources, kind);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var keyAt = context.Offset + (int)reader.TokenStartIndex;
            var id = reader.GetString()!;
            ObjectKeys.CheckDelimiter(id);
            reader.Read();
            var start = context.Offset + (int)reader.TokenStartIndex;
            if (runs?.TakeSuffix(ref reader, ref context, keyAt, id, start, items, sources, ids) == true)
            {
                continue;
            }

            if (!ids.Add(id))
            {
                throw KeyRuleException.DuplicateId(kind, id);
            }

            var item = Unchanged(ref reader, ref context, id, start, baselineItems, baselineSources) ?? ReadItem(ref reader, ref context, kind, id, read);
            var length = context.Offset + (int)reader.BytesConsumed - start;
            sources[id] = new SourceRange(start, length, items.Count);
            items.Add(item);
            runs?.TakePrefix(ref reader, ref context, id, start, length, items, sources, ids);
        }

        return new Keyed<T>(items, sources);
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

    private static T ReadItem<T>(ref Utf8JsonReader reader, ref ParseContext context, string kind, string id, ItemReader<T> read)
    {
        try
        {
            return read(ref reader, id, context.Pool);
        }
        catch (KeyRuleException ex)
        {
            throw new KeyRuleException($"{kind} '{id}': {ex.Message}");
        }
        catch (JsonException ex)
        {
            throw new JsonException($"{kind} '{id}': {ex.Message}", ex);
        }
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
