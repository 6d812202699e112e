using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Resilience.Yarp.Tests;

/// <summary>
/// <c>POST /resilience/apply</c>: a JSON or YAML content type decides the format; without one (curl's
/// <c>--data-binary</c> sends a form content type) the body decides; a format refusal says how the format was chosen.
/// </summary>
public sealed class ManualApplyFormatTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task YAML_sent_as_curl_sends_it_is_detected_and_served()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));

        // curl --data-binary @config.yaml: Content-Type application/x-www-form-urlencoded.
        var response = await PostAsync(gateway, Yaml(upstream.Url), "application/x-www-form-urlencoded");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await Eventually.HoldsAsync(async () => await gateway.GetAsync("/x") == "upstream-a", "routing the YAML");

        // No Content-Type at all, gzip: still YAML.
        var gzipped = await PostAsync(gateway, Gzip(Yaml(upstream.Url, routeId: "gzipped")), contentType: null);
        Assert.True(gzipped.StatusCode == HttpStatusCode.OK, await gzipped.Content.ReadAsStringAsync());
        Assert.Equal(ConfigOrigin.Manual, gateway.DataPlane.State.ServingTier);

        // JSON without a content type: JSON.
        var json = await PostAsync(gateway, Encoding.UTF8.GetBytes(ProxyConfigs.CatchAll(upstream.Url, routeId: "json")), contentType: "text/plain");
        Assert.True(json.StatusCode == HttpStatusCode.OK, await json.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task YAML_sent_as_JSON_is_refused_with_an_error_saying_the_content_type_decides()
    {
        await using var upstream = await Upstream.StartAsync("upstream-a");
        await using var gateway = await Gateway.StartAsync(_dir.File("data"));
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApplyAsync(ProxyConfigs.CatchAll(upstream.Url))).StatusCode);
        var served = gateway.DataPlane.Current!.Hash;

        var response = await PostAsync(gateway, Yaml(upstream.Url, routeId: "other"), "application/json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = JsonSerializer.Deserialize<string[]>(await response.Content.ReadAsStringAsync())!;
        Assert.Contains("read as JSON because its Content-Type is application/json", errors[^1], StringComparison.Ordinal);
        Assert.Contains("application/yaml", errors[^1], StringComparison.Ordinal);
        Assert.Equal(served, gateway.DataPlane.Current!.Hash);

        // The other way round: JSON declared as YAML parses (YAML reads JSON), broken YAML says it was read as YAML.
        var broken = await PostAsync(gateway, "Routes: [unclosed"u8.ToArray(), "application/yaml");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        var yamlErrors = JsonSerializer.Deserialize<string[]>(await broken.Content.ReadAsStringAsync())!;
        Assert.Contains("read as YAML because its Content-Type is application/yaml", yamlErrors[^1], StringComparison.Ordinal);
        Assert.Equal(served, gateway.DataPlane.Current!.Hash);
    }

    public void Dispose() => _dir.Dispose();

    private static byte[] Yaml(string address, string routeId = "all") => Encoding.UTF8.GetBytes(
        $"# a YAML configuration\nRoutes:\n  {routeId}:\n    ClusterId: c\n    Match: {{ Path: \"{{**rest}}\" }}\nClusters:\n  c:\n    Destinations:\n      d1: {{ Address: \"{address}\" }}\n");

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    private static Task<HttpResponseMessage> PostAsync(Gateway gateway, byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        return gateway.Operator.PostAsync(gateway.Url + "/resilience/apply", content);
    }
}
