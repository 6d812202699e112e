using System.Text;

namespace Resilience.Yarp.Tests;

/// <summary>Configurations in YARP's own appsettings shape (the "ReverseProxy" section), as users write them.</summary>
internal static class ProxyConfigs
{
    /// <summary>One catch-all route to one upstream.</summary>
    public static string CatchAll(string address, string routeId = "all") => $$"""
        {
          "Routes": {
            "{{routeId}}": { "ClusterId": "c", "Match": { "Path": "{**rest}" } }
          },
          "Clusters": {
            "c": { "Destinations": { "d1": { "Address": "{{address}}" } } }
          }
        }
        """;

    /// <summary>
    /// A header route with YARP's documented string enum (<c>"Mode": "ExactHeader"</c>) to <paramref name="tierB"/>,
    /// everything else to <paramref name="tierA"/>.
    /// </summary>
    public static string HeaderRouted(string tierA, string tierB) => $$"""
        {
          "ReverseProxy": {
            "Routes": {
              "to-b": {
                "ClusterId": "b",
                "Order": 1,
                "Match": {
                  "Path": "{**rest}",
                  "Headers": [ { "Name": "X-Tier", "Values": [ "b" ], "Mode": "ExactHeader", "IsCaseSensitive": false } ]
                }
              },
              "to-a": { "ClusterId": "a", "Order": 2, "Match": { "Path": "{**rest}" } }
            },
            "Clusters": {
              "a": { "LoadBalancingPolicy": "RoundRobin", "Destinations": { "a1": { "Address": "{{tierA}}" } } },
              "b": {
                "HttpRequest": { "Version": "1.1", "VersionPolicy": "RequestVersionOrLower", "ActivityTimeout": "00:00:30" },
                "SessionAffinity": { "Enabled": false, "Policy": "HashCookie", "FailurePolicy": "Redistribute", "AffinityKeyName": "k", "Cookie": { "SameSite": "Strict", "SecurePolicy": "Always" } },
                "Destinations": { "b1": { "Address": "{{tierB}}" } }
              }
            }
          }
        }
        """;

    /// <summary><paramref name="count"/> routes <c>/r{i}/...</c> over <paramref name="clusterCount"/> clusters, all to one upstream.</summary>
    public static string Many(int count, string address, int clusterCount = 100, string prefix = "r")
    {
        var json = new StringBuilder(count * 560);
        json.Append("{\"Routes\":{");
        for (var i = 0; i < count; i++)
        {
            json.Append(i == 0 ? "" : ",")
                .Append($"\"{prefix}{i}\":{{\"ClusterId\":\"c{i % clusterCount}\",\"Order\":{i % 7},\"Match\":{{\"Path\":\"/{prefix}{i}/{{**rest}}\",\"Methods\":[\"GET\",\"POST\"],")
                .Append($"\"Headers\":[{{\"Name\":\"X-Route\",\"Mode\":\"NotExists\"}}]}},")
                .Append($"\"Metadata\":{{\"team\":\"t{i % 13}\"}},\"Transforms\":[{{\"PathRemovePrefix\":\"/{prefix}{i}\"}},{{\"RequestHeader\":\"X-Route-Id\",\"Set\":\"{prefix}{i}\"}}]}}");
        }

        json.Append("},\"Clusters\":{");
        for (var c = 0; c < clusterCount; c++)
        {
            json.Append(c == 0 ? "" : ",")
                .Append($"\"c{c}\":{{\"LoadBalancingPolicy\":\"RoundRobin\",\"HttpRequest\":{{\"ActivityTimeout\":\"00:01:00\"}},\"Destinations\":{{\"d1\":{{\"Address\":\"{address}\"}}}}}}");
        }

        return json.Append("}}").ToString();
    }
}
