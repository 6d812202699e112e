using System.Security.Authentication;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace Resilience.Yarp.Tests;

public sealed class ReverseProxyConfigParserTests
{
    [Fact]
    public void Reads_YARPs_appsettings_section_keyed_by_id_with_string_enums()
    {
        var config = Parse(ProxyConfigs.HeaderRouted("http://127.0.0.1:1/", "http://127.0.0.1:2/"));

        Assert.Equal(["to-b", "to-a"], config.Routes.Select(r => r.RouteId));
        var header = Assert.Single(config.Routes[0].Match.Headers!);
        Assert.Equal(HeaderMatchMode.ExactHeader, header.Mode);
        Assert.Equal(["b"], header.Values);
        Assert.Equal(["a", "b"], config.Clusters.Select(c => c.ClusterId));
        var b = config.Clusters[1];
        Assert.Equal(System.Net.Http.HttpVersionPolicy.RequestVersionOrLower, b.HttpRequest!.VersionPolicy);
        Assert.Equal(new Version(1, 1), b.HttpRequest.Version);
        Assert.Equal(TimeSpan.FromSeconds(30), b.HttpRequest.ActivityTimeout);
        Assert.Equal(SameSiteMode.Strict, b.SessionAffinity!.Cookie!.SameSite);
        Assert.Equal(CookieSecurePolicy.Always, b.SessionAffinity.Cookie.SecurePolicy);
        Assert.Equal("http://127.0.0.1:2/", b.Destinations!["b1"].Address);
    }

    [Fact]
    public void Names_in_any_case_and_YARPs_list_forms_are_read()
    {
        var config = Parse("""
            {
              "routes": { "r1": { "clusterId": "c1", "match": { "path": "/x", "queryParameters": [ { "name": "q", "mode": "contains", "values": [ "v" ] } ] } } },
              "CLUSTERS": {
                "c1": {
                  "httpClient": { "sslProtocols": [ "Tls12", "Tls13" ], "maxConnectionsPerServer": 10 },
                  "httpRequest": { "version": "2" },
                  "destinations": { "d": { "address": "https://example.invalid/" } }
                }
              }
            }
            """);

        Assert.Equal("r1", config.Routes.Single().RouteId);
        Assert.Equal(QueryParameterMatchMode.Contains, config.Routes[0].Match.QueryParameters!.Single().Mode);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, config.Clusters.Single().HttpClient!.SslProtocols);
        Assert.Equal(new Version(2, 0), config.Clusters[0].HttpRequest!.Version);
        Assert.Equal("https://example.invalid/", config.Clusters[0].Destinations!["D"].Address);
    }

    [Fact]
    public void Every_route_property_reads_as_YARPs_own_configuration_provider_reads_it()
    {
        var section = """
            {
              "Routes": {
                "full": {
                  "ClusterId": "c", "Order": "3", "MaxRequestBodySize": 1048576, "AuthorizationPolicy": "anonymous",
                  "RateLimiterPolicy": "rl", "OutputCachePolicy": "oc", "TimeoutPolicy": "tp", "Timeout": "00:00:42", "CorsPolicy": "cors",
                  "Match": {
                    "Path": "/api/{**rest}", "Methods": [ "GET", "POST" ], "Hosts": [ "a.example", "b.example" ],
                    "Headers": [ { "Name": "X-A", "Values": [ "1", "2" ], "Mode": "HeaderPrefix", "IsCaseSensitive": true }, { "Name": "X-B", "Mode": "NotExists" } ],
                    "QueryParameters": [ { "Name": "q", "Values": [ "v" ], "Mode": "Contains", "IsCaseSensitive": "true" } ]
                  },
                  "Metadata": { "team": "t", "Owner": "o" },
                  "Transforms": [ { "PathRemovePrefix": "/api" }, { "RequestHeader": "X-Id", "Set": "full" }, { } ]
                },
                "bare": { "ClusterId": "c", "Match": { "Path": "/bare" }, "Metadata": { }, "Transforms": [ ] },
                "nomatch": { "ClusterId": "c" }
              },
              "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:1/" } } } }
            }
            """;
        var ours = Parse(section);

        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(section))).Build();
        using var services = new ServiceCollection().AddLogging().AddReverseProxy().LoadFromConfig(configuration).Services.BuildServiceProvider();
        var yarps = services.GetRequiredService<IProxyConfigProvider>().GetConfig();

        Assert.Equal(yarps.Routes.Count, ours.Routes.Count);
        foreach (var expected in yarps.Routes)
        {
            var actual = ours.Routes.Single(r => r.RouteId == expected.RouteId);
            Assert.Equal(expected, actual); // YARP's own equality: every property but the next one
            Assert.Equal(expected.MaxRequestBodySize, actual.MaxRequestBodySize);
            Assert.Equal(expected.Metadata is null, actual.Metadata is null);
            Assert.Equal(expected.Transforms?.Count, actual.Transforms?.Count);
        }

        var full = ours.Routes.Single(r => r.RouteId == "full");
        Assert.True(full.Metadata!.ContainsKey("TEAM"), "metadata keys ignore case, as in YARP's provider");
        Assert.True(full.Transforms![0].ContainsKey("pathremoveprefix"), "transform keys ignore case, as in YARP's provider");
        Assert.Same(ours.Routes.Single(r => r.RouteId == "bare").Metadata, null);
    }

    [Fact]
    public void A_metadata_key_given_twice_in_any_case_is_refused_as_the_binder_refuses_it_and_large_maps_still_read()
    {
        Assert.False(ReverseProxyConfigParser.TryParse("""{ "Routes": { "r": { "Metadata": { "a": "1", "b": "2", "A": "3" } } } }"""u8, out _, out var error));
        Assert.Contains("route 'r': the key 'A' appears twice", error, StringComparison.Ordinal);
        Assert.EndsWith($"[rule: {StricterRules.DuplicateKey}]", error, StringComparison.Ordinal);

        var many = string.Join(",", Enumerable.Range(0, 12).Select(i => $"\"k{i}\":\"v{i}\""));
        var config = Parse($$"""{ "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/" }, "Metadata": { "a": "1", "B": true, "c": 0.5, "d": null }, "Transforms": [ { {{many}} } ] } } }""");

        var metadata = config.Routes[0].Metadata!;
        Assert.Equal(["a", "B", "c", "d"], metadata.Keys);
        Assert.Equal("True", metadata["b"]);
        Assert.Equal("0.5", metadata["C"]);
        Assert.Null(metadata["d"]);
        Assert.Equal(12, config.Routes[0].Transforms![0].Count);
        Assert.Equal("v11", config.Routes[0].Transforms![0]["K11"]);
        Assert.False(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes($$"""{ "Routes": { "r": { "Transforms": [ { {{many}}, "K3": "again" } ] } } }"""), out _, out _));
    }

    [Fact]
    public void In_an_appsettings_document_only_the_ReverseProxy_section_is_read_whatever_comes_before_it()
    {
        var config = Parse("""{ "Routes": "not YARP's", "Clusters": [ 1 ], "Logging": { "LogLevel": { "Default": "Warning" } }, "reverseProxy": { "Routes": { "r": { "ClusterId": "c" } } } }""");

        Assert.Equal("r", config.Routes.Single().RouteId);
        Assert.Empty(config.Clusters);
        Assert.False(ReverseProxyConfigParser.TryParse("""{ "Routes": "not YARP's", "Other": { } }"""u8, out _, out var error));
        Assert.Contains("[rule: shape]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Escaped_keys_are_the_keys_they_spell()
    {
        var config = Parse("""{ "Routes": { "r": { "Cluster\u0049d": "a", "Match": { "Path": "/" } } } }""");
        Assert.Equal("a", config.Routes[0].ClusterId);

        Assert.False(ReverseProxyConfigParser.TryParse("""{ "Routes": { "r": { "Cluster\u0049d": "a", "clusterid": "b" } } }"""u8, out _, out var error));
        Assert.Contains("[rule: duplicate-key]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_of_parts_YARP_does_not_read_are_checked_as_the_binder_loads_them_too()
    {
        var keys = string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"setting{i}\": {i}"));
        Assert.True(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes($$"""{ "Custom": { {{keys}} }, "Routes": { "r": { "x-note": { {{keys}} } } } }"""), out _, out var error), error);

        Assert.False(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes($$"""{ "Custom": { {{keys}}, "SETTING7": 0 }, "Routes": { } }"""), out _, out error));
        Assert.Contains("the key 'SETTING7' appears twice", error, StringComparison.Ordinal);
        Assert.False(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes($$"""{ "Routes": { "r": { "x-note": [ { "a:b": 1 } ] } } }"""), out _, out error));
        Assert.Contains("[rule: key-delimiter]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_values_share_one_string()
    {
        var config = Parse(ProxyConfigs.Many(50, "http://127.0.0.1:1/"));

        Assert.Same(config.Routes[0].Match.Methods![0], config.Routes[49].Match.Methods![0]);
        Assert.Same(config.Routes[0].Match.Headers![0].Name, config.Routes[49].Match.Headers![0].Name);
        Assert.Same(config.Routes[0].Transforms![1].Keys.First(), config.Routes[49].Transforms![1].Keys.First());
        Assert.Same(config.Routes[0].ClusterId, config.Routes[100 % 50].ClusterId);
    }

    [Fact]
    public void The_key_is_the_id_and_a_RouteId_field_is_refused_as_YARPs_loader_refuses_it()
    {
        var config = Parse("""{ "Routes": { "by-key": { "RouteId": "", "ClusterId": "c", "Match": { "Path": "/" } } }, "Clusters": { "c": { "ClusterId": "ignored" } } }""");
        Assert.Equal("by-key", config.Routes.Single().RouteId);
        Assert.Equal("c", config.Clusters.Single().ClusterId);

        Assert.False(ReverseProxyConfigParser.TryParse("""{ "Routes": { "by-key": { "RouteId": "other" } } }"""u8, out _, out var error));
        Assert.Contains("'RouteId' is set", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Routes": { "r": { "Match": { "Headers": [ { "Name": "h", "Mode": "NotAMode" } ] } } } }""", "route 'r'")]
    [InlineData("""{ "Routes": { "r": { "Match": { "Path": "/" } }, "R": { "Match": { "Path": "/" } } } }""", "duplicate route id 'R'")]
    [InlineData("""{ "Clusters": [ { "ClusterId": "c" }, { "ClusterId": "c" } ] }""", "object keyed by id")]
    [InlineData("""{ "Routes": "all of them" }""", "object keyed by id")]
    [InlineData("""{ "Routes": { "r": { "Order": 1.5 } } }""", "'Order' must be a whole number (32 bits) as YARP reads it, not \"1.5\"")]
    [InlineData("""{ "Clusters": { "c": { "HttpRequest": { "Version": "two" } } } }""", "'HttpRequest.Version' must be a version")]
    [InlineData("""{ "Routes": { "r": "a route" } }""", "route 'r': 'route' must be an object, not a string")]
    [InlineData("""{ "Routes": { "r": { "Match": { "Methods": "GET" } } } }""", "'Match.Methods' must be a list, not a string (YARP would ignore it or read it as empty) [rule: shape]")]
    [InlineData("""{ "Routes": { "a:b": { } } }""", "[rule: key-delimiter]")]
    [InlineData("""{ "Logging": { "A": 1, "a": 2 }, "Routes": { "r": { } } }""", "the key 'a' appears twice in one object")]
    public void A_document_YARP_could_not_read_is_refused_with_the_reason(string json, string expected)
    {
        Assert.False(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Mutated_documents_never_throw_out_of_the_parser()
    {
        // Seeded mutation loop over a valid document: every outcome is parsed or refused, never an exception.
        var seed = Encoding.UTF8.GetBytes(ProxyConfigs.HeaderRouted("http://127.0.0.1:1/", "http://127.0.0.1:2/"));
        var random = new Random(12);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])seed.Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(32, 127);
            }

            if (!IsJson(bytes))
            {
                continue; // the pipeline refuses malformed JSON before the validator runs
            }

            var parsed = ReverseProxyConfigParser.TryParse(bytes, out var config, out var error);
            Assert.True(parsed ? error is null && config is not null : error is not null, $"iteration {i}");
        }
    }

    [Fact]
    public void Taking_unchanged_routes_from_the_served_config_never_changes_what_a_mutated_document_parses_to()
    {
        // Differential, seeded: every mutation parses to the same routes and clusters with and without the baseline.
        var seed = Encoding.UTF8.GetBytes(ProxyConfigs.Many(30, "http://127.0.0.1:1/", clusterCount: 5));
        Assert.True(ReverseProxyConfigParser.TryParse(seed, out var served, out _));
        var baseline = new ProxyConfigBaseline(seed, served);
        var random = new Random(7005);
        var compared = 0;
        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])seed.Clone();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(32, 127);
            }

            if (!IsJson(bytes))
            {
                continue;
            }

            var plain = ReverseProxyConfigParser.TryParse(bytes, out var expected, out var expectedError);
            var reusing = ReverseProxyConfigParser.TryParse(bytes, baseline, out var actual, out var actualError);
            Assert.True(plain == reusing, $"iteration {i}: {expectedError} / {actualError}");
            if (!plain)
            {
                continue;
            }

            compared++;
            Assert.Equal(expected.Routes.Count, actual.Routes.Count);
            for (var r = 0; r < expected.Routes.Count; r++)
            {
                Assert.Equal(expected.Routes[r], actual.Routes[r]);
                Assert.Equal(expected.Routes[r].RouteId, actual.Routes[r].RouteId, StringComparer.Ordinal);
                Assert.Equal(expected.Routes[r].Match.Path, actual.Routes[r].Match.Path, StringComparer.Ordinal);
                Assert.Equal(expected.Routes[r].MaxRequestBodySize, actual.Routes[r].MaxRequestBodySize);
            }

            Assert.Equal(expected.Clusters, actual.Clusters);
        }

        Assert.True(compared > 100, $"only {compared} mutations parsed");
    }

    private static bool IsJson(byte[] bytes)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static ReverseProxyConfig Parse(string json)
    {
        Assert.True(ReverseProxyConfigParser.TryParse(Encoding.UTF8.GetBytes(json), out var config, out var error), error);
        return config;
    }
}
