using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Resilience.Yarp.Tests;

/// <summary>
/// The data plane routes exactly as YARP's own loader would: the same documents go to YARP's <c>LoadFromConfig</c>
/// (through the configuration binder, plus YARP's validators) and to <c>LoadFromDataPlane()</c> (through the whole
/// apply pipeline), and what each would serve is compared property by property (<see cref="CanonicalConfig"/>). Where
/// YARP serves a document the data plane refuses, the refusal must name a documented rule.
/// </summary>
/// <remarks>
/// CI runs a bounded number of generated documents; <c>RESILIENCE_DIFFERENTIAL_DOCUMENTS</c> (and
/// <c>RESILIENCE_DIFFERENTIAL_SEED</c>) set a longer run, whose figures the test prints.
/// </remarks>
public sealed class YarpLoaderDifferentialTests(ITestOutputHelper output)
{
    private const string Base = """{"Routes":{"r":{"ClusterId":"c","Match":{"Path":"/{**rest}"}}},"Clusters":{"c":{"Destinations":{"d":{"Address":"http://10.0.0.1/"}}}}}""";

    private static int Documents => int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_DIFFERENTIAL_DOCUMENTS"), CultureInfo.InvariantCulture, out var n) ? n : 500;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("RESILIENCE_DIFFERENTIAL_SEED"), CultureInfo.InvariantCulture, out var n) ? n : 21;

    public static TheoryData<string> YarpDocuments() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "YarpDocuments"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Generated_documents_give_the_routes_and_clusters_YARPs_loader_gives_or_a_refusal_that_names_its_rule()
    {
        var generator = new ConfigDocumentGenerator(Seed);
        using var ours = new DataPlaneLoader();
        var counts = new Dictionary<Agreement, int>();
        var tameCounts = new Dictionary<Agreement, int>();
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var elapsed = Stopwatch.StartNew();
        for (var i = 0; i < Documents; i++)
        {
            var json = generator.Next();
            var comparison = LoaderComparison.Compare(json, ours);
            Count(counts, comparison.Agreement);
            if (generator.LastWasTame)
            {
                Count(tameCounts, comparison.Agreement);
            }

            foreach (var rule in comparison.Rules.Where(_ => comparison.Agreement == Agreement.Stricter))
            {
                Count(rules, rule);
            }

            if (comparison.Agreement == Agreement.BothRefuse)
            {
                // What refused them, quoted values left out: the figures say which checks the run exercised.
                Count(refusals, System.Text.RegularExpressions.Regex.Replace(comparison.Yarp.AllErrors.First(), "'[^']*'|\"[^\"]*\"", "'…'"));
            }

            if (comparison.Agreement == Agreement.Diverged && failures.Count < 5)
            {
                failures.Add($"document {i} (seed {Seed}): {comparison.Describe(json)}");
            }
        }

        output.WriteLine($"{Documents} documents, seed {Seed}, {elapsed.Elapsed.TotalSeconds:F1} s: {Figures(counts)}; tame: {Figures(tameCounts)}; stricter by rule: {Figures(rules)}");
        output.WriteLine("most common reasons YARP refused: " + string.Join(" | ", refusals.OrderByDescending(r => r.Value).Take(12).Select(r => $"{r.Value}x {r.Key}")));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));

        // The run must mean something: many documents served by both and compared, many refused by both.
        Assert.True(counts.GetValueOrDefault(Agreement.Same) >= Documents / 5, Figures(counts));
        Assert.True(counts.GetValueOrDefault(Agreement.BothRefuse) >= Documents / 10, Figures(counts));
        Assert.True(tameCounts.GetValueOrDefault(Agreement.Same) >= tameCounts.Values.Sum() / 2, Figures(tameCounts));
    }

    [Theory]
    [MemberData(nameof(YarpDocuments))]
    public void YARPs_own_sample_and_test_documents_read_as_YARPs_loader_reads_them(string file)
    {
        var json = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "YarpDocuments", file));
        using var ours = new DataPlaneLoader();

        var comparison = LoaderComparison.Compare(json, ours);

        output.WriteLine($"{file}: {comparison.Agreement} {string.Join(" | ", comparison.Ours.AllErrors)}");
        Assert.True(comparison.Agreement != Agreement.Diverged, comparison.Describe(json));
        if (file.Contains("ValidJsonConfig", StringComparison.Ordinal))
        {
            // Every property YARP's loader reads, read the same way (its policies are not all registered here, so
            // YARP's validators refuse it: the routes and clusters are compared all the same).
            Assert.True(comparison.Yarp.Loaded && comparison.Ours.Loaded, comparison.Describe(json));
        }

        if (file.Contains("ReverseProxy.Config.Sample", StringComparison.Ordinal))
        {
            // "WebProxy": { "Address": "127.0.0.1" }: YARP's loader throws on new Uri("127.0.0.1"), and so do we.
            Assert.Equal(Agreement.BothRefuse, comparison.Agreement);
            Assert.Contains(comparison.Ours.AllErrors, e => e.Contains("WebProxy.Address", StringComparison.Ordinal));
        }
    }

    /// <summary>Each divergence the issue found, on one route "r" to cluster "c" with one destination, and what it is now.</summary>
    [Theory]
    [InlineData("route metadata key in another case", """{"Routes":{"r":{"Metadata":{"Team":"orders"}}}}""", Agreement.Same, null)]
    [InlineData("destination in another case", """{"Clusters":{"c":{"Destinations":{"Primary":{"Address":"http://10.0.0.2/"}}}}}""", Agreement.Same, null)]
    [InlineData("cluster bool as a string", """{"Clusters":{"c":{"SessionAffinity":{"Enabled":"true","AffinityKeyName":"k"}}}}""", Agreement.Same, null)]
    [InlineData("metadata value as a number (YARP's documented example)", """{"Clusters":{"c":{"Metadata":{"TransportFailureRateHealthPolicy.RateLimit":0.5}}}}""", Agreement.Same, null)]
    [InlineData("header values as numbers", """{"Routes":{"r":{"Match":{"Headers":[{"Name":"X-V","Values":[1,2]}]}}}}""", Agreement.Same, null)]
    [InlineData("query values as numbers", """{"Routes":{"r":{"Match":{"QueryParameters":[{"Name":"v","Values":[1,true]}]}}}}""", Agreement.Same, null)]
    [InlineData("header values containing null", """{"Routes":{"r":{"Match":{"Headers":[{"Name":"X-V","Values":["a",null]}]}}}}""", Agreement.Stricter, StricterRules.EmptyMatchValue)]
    [InlineData("header mode as its number", """{"Routes":{"r":{"Match":{"Headers":[{"Name":"X-V","Mode":"1","Values":["a"]}]}}}}""", Agreement.Same, null)]
    [InlineData("SslProtocols as a number", """{"Clusters":{"c":{"HttpClient":{"SslProtocols":["3072"]}}}}""", Agreement.Same, null)]
    [InlineData("ClusterId as a number", """{"Routes":{"r":{"ClusterId":7}},"Clusters":{"7":{"Destinations":{"d":{"Address":"http://10.0.0.7/"}}}}}""", Agreement.Same, null)]
    [InlineData("HttpRequest.Version empty", """{"Clusters":{"c":{"HttpRequest":{"Version":""}}}}""", Agreement.Same, null)]
    [InlineData("Methods as one string (YARP ignores it)", """{"Routes":{"r":{"Match":{"Methods":"GET"}}}}""", Agreement.Stricter, StricterRules.Shape)]
    [InlineData("Hosts as one string (YARP ignores it)", """{"Routes":{"r":{"Match":{"Hosts":"example.com"}}}}""", Agreement.Stricter, StricterRules.Shape)]
    [InlineData("ClusterId given twice in two cases", """{"Routes":{"r":{"clusterId":"c"}}}""", Agreement.BothRefuse, StricterRules.DuplicateKey)]
    [InlineData("destinations a and A", """{"Clusters":{"c":{"Destinations":{"D":{"Address":"http://10.0.0.2/"}}}}}""", Agreement.BothRefuse, StricterRules.DuplicateKey)]
    [InlineData("metadata k and K", """{"Routes":{"r":{"Metadata":{"k":"1","K":"2"}}}}""", Agreement.BothRefuse, StricterRules.DuplicateKey)]
    [InlineData("a WebProxy address that is not absolute", """{"Clusters":{"c":{"HttpClient":{"WebProxy":{"Address":"proxy.local"}}}}}""", Agreement.BothRefuse, null)]
    [InlineData("a bool in route metadata", """{"Routes":{"r":{"Metadata":{"canary":true}}}}""", Agreement.Same, null)]
    [InlineData("a bool in a transform", """{"Routes":{"r":{"Transforms":[{"RequestHeadersCopy":true}]}}}""", Agreement.Same, null)]
    [InlineData("empty HealthCheck", """{"Clusters":{"c":{"HealthCheck":{}}}}""", Agreement.Same, null)]
    [InlineData("empty HttpClient, HttpRequest", """{"Clusters":{"c":{"HttpClient":{},"HttpRequest":{}}}}""", Agreement.Same, null)]
    [InlineData("empty Cookie, Active, WebProxy", """{"Clusters":{"c":{"SessionAffinity":{"AffinityKeyName":"k","Cookie":{}},"HealthCheck":{"Passive":{"Enabled":true},"Active":{}},"HttpClient":{"MaxConnectionsPerServer":2,"WebProxy":{}}}}}""", Agreement.Same, null)]
    [InlineData("SslProtocols as one string (YARP ignores it)", """{"Clusters":{"c":{"HttpClient":{"SslProtocols":"Tls12"}}}}""", Agreement.Stricter, StricterRules.Shape)]
    [InlineData("SslProtocols empty", """{"Clusters":{"c":{"HttpClient":{"SslProtocols":[]}}}}""", Agreement.Same, null)]
    [InlineData("empty Destinations, Metadata, Headers, QueryParameters", """{"Routes":{"r":{"Metadata":{},"Match":{"Headers":[],"QueryParameters":[]}}},"Clusters":{"c2":{"Destinations":{}}}}""", Agreement.Same, null)]
    [InlineData("a route whose cluster does not exist", """{"Routes":{"r":{"ClusterId":"nope"}}}""", Agreement.Stricter, StricterRules.UnknownCluster)]
    [InlineData("a route id containing ':'", """{"Routes":{"a:b":{"ClusterId":"c","Match":{"Path":"/ab"}}}}""", null, StricterRules.KeyDelimiter)]
    public void Each_divergence_the_issue_lists_is_now_parity_or_a_named_rule(string what, string edit, Agreement? expected, string? rule)
    {
        var json = Encoding.UTF8.GetBytes(Merge(Base, edit));
        using var ours = new DataPlaneLoader();

        var comparison = LoaderComparison.Compare(json, ours);

        output.WriteLine($"{what}: {comparison.Agreement} {string.Join(" | ", comparison.Ours.AllErrors)}");
        Assert.True(comparison.Agreement != Agreement.Diverged, comparison.Describe(json));
        if (expected is { } agreement)
        {
            Assert.Equal(agreement, comparison.Agreement);
        }

        if (rule is not null)
        {
            Assert.Contains(rule, comparison.Rules);
        }
    }

    [Fact]
    public void Comments_and_trailing_commas_of_appsettings_files_read_the_same()
    {
        var json = Encoding.UTF8.GetBytes("""
            {
              // YARP's samples carry comments
              "ReverseProxy": {
                "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/{**rest}", }, }, },  /* trailing commas too */
                "Clusters": { "c": { "Destinations": { "d": { "Address": "http://10.0.0.1/" } } } },
              },
            }
            """);
        using var ours = new DataPlaneLoader();

        Assert.Equal(Agreement.Same, LoaderComparison.Compare(json, ours).Agreement);
    }

    [Fact]
    public void An_empty_document_is_refused_by_the_no_routes_rule()
    {
        using var ours = new DataPlaneLoader();

        var comparison = LoaderComparison.Compare("{}"u8.ToArray(), ours);

        Assert.Equal(Agreement.Stricter, comparison.Agreement);
        Assert.Equal([StricterRules.NoRoutes], comparison.Rules);
    }

    /// <summary>Merges <paramref name="edit"/> into <paramref name="json"/> (objects merged key by key, the edit's key replacing a key equal ignoring case only when it is the same text).</summary>
    private static string Merge(string json, string edit)
    {
        var target = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        MergeInto(target, System.Text.Json.Nodes.JsonNode.Parse(edit)!.AsObject());
        return target.ToJsonString();

        static void MergeInto(System.Text.Json.Nodes.JsonObject target, System.Text.Json.Nodes.JsonObject edit)
        {
            foreach (var (key, value) in edit.ToList())
            {
                if (value is System.Text.Json.Nodes.JsonObject editObject && target[key] is System.Text.Json.Nodes.JsonObject targetObject)
                {
                    MergeInto(targetObject, editObject);
                }
                else
                {
                    target[key] = value?.DeepClone();
                }
            }
        }
    }

    private static void Count<T>(Dictionary<T, int> counts, T key)
        where T : notnull => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string Figures<T>(Dictionary<T, int> counts)
        where T : notnull => string.Join(", ", counts.OrderBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
}
