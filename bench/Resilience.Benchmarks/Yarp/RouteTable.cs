using System.IO.Compression;
using System.Text;

namespace Resilience.Benchmarks.Yarp;

/// <summary>
/// A large gateway configuration in YARP's own "ReverseProxy" shape: 20,000 routes (path, methods, a header
/// match, metadata, two transforms) over 200 clusters, about 10.7 MB of JSON, plus a catch-all route so that
/// traffic keeps flowing while it is swapped in.
/// </summary>
internal static class RouteTable
{
    public const int Routes = 20_000;

    public static byte[] Json(int routes, string upstream, string variant = "a", int clusters = 200)
    {
        var json = new StringBuilder(routes * 560);
        json.Append("{\"Routes\":{\"all\":{\"ClusterId\":\"c0\",\"Order\":1000,\"Match\":{\"Path\":\"{**rest}\"}}");
        for (var i = 0; i < routes; i++)
        {
            json.Append($",\"route-{i:D5}\":{{\"ClusterId\":\"c{i % clusters}\",\"Order\":{i % 7},")
                .Append($"\"Match\":{{\"Path\":\"/api/v1/service-{i:D5}/{{**rest}}\",\"Methods\":[\"GET\",\"POST\",\"PUT\"],")
                .Append("\"Headers\":[{\"Name\":\"X-Blocked\",\"Mode\":\"NotExists\"}]},")
                .Append($"\"Metadata\":{{\"team\":\"team-{i % 37}\",\"owner\":\"owner-{i % 101}@example.invalid\",\"variant\":\"{variant}\",\"description\":\"Service {i:D5} of the catalogue, routed by the gateway\"}},")
                .Append("\"MaxRequestBodySize\":1048576,\"AuthorizationPolicy\":\"anonymous\",")
                .Append($"\"Transforms\":[{{\"PathRemovePrefix\":\"/api/v1/service-{i:D5}\"}},{{\"RequestHeader\":\"X-Route-Id\",\"Set\":\"route-{i:D5}\"}},{{\"ResponseHeader\":\"X-Served-By\",\"Set\":\"gateway\",\"When\":\"Success\"}}]}}");
        }

        json.Append("},\"Clusters\":{");
        for (var c = 0; c < clusters; c++)
        {
            json.Append(c == 0 ? "" : ",")
                .Append($"\"c{c}\":{{\"LoadBalancingPolicy\":\"RoundRobin\",\"HttpRequest\":{{\"ActivityTimeout\":\"00:01:00\",\"VersionPolicy\":\"RequestVersionOrLower\"}},")
                .Append($"\"Destinations\":{{\"d1\":{{\"Address\":\"{upstream}\"}}}}}}");
        }

        return Encoding.UTF8.GetBytes(json.Append("}}").ToString());
    }

    public static byte[] Gzip(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
