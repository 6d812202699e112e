using System.Text;

namespace Resilience.Yarp.Tests;

/// <summary>
/// Routes an edit did not reach keep their instances without being read or compared: the parser takes the members
/// before and after the changed bytes from the served configuration and jumps over them.
/// </summary>
public sealed class UnchangedRunTests
{
    [Fact]
    public void A_one_route_edit_reads_and_compares_only_the_edited_route()
    {
        var first = Encoding.UTF8.GetBytes(ProxyConfigs.Many(1_000, "http://127.0.0.1:1/"));
        Assert.True(ReverseProxyConfigParser.TryParse(first, out var served, out _));
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(first).Replace("\"Path\":\"/r500/{**rest}\"", "\"Path\":\"/five-hundred/{**rest}\"", StringComparison.Ordinal));

        Assert.True(ReverseProxyConfigParser.TryParse(edited, new ProxyConfigBaseline(first, served), out var next, out _));

        Assert.Equal(999, next.Sources!.ReusedRoutes);
        Assert.Equal(100, next.Sources.ReusedClusters);
        Assert.InRange(next.Sources.Compared, 1, 3);
        Assert.Equal("/five-hundred/{**rest}", next.Routes[500].Match.Path);
        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(ReferenceEquals(served.Routes[i], next.Routes[i]) == (i != 500), $"route {i}");
        }

        AssertSameAsAFreshParse(edited, next);
    }

    [Fact]
    public void A_chain_of_edits_that_grow_and_shrink_the_document_parses_as_a_fresh_parse_would()
    {
        // Each result is the next baseline: the source ranges taken by shifting must be right for the next edit.
        var random = new Random(2323);
        var text = ProxyConfigs.Many(200, "http://127.0.0.1:1/", clusterCount: 10);
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(ReverseProxyConfigParser.TryParse(bytes, out var served, out _));
        for (var step = 0; step < 60; step++)
        {
            var route = random.Next(200);
            var path = step % 3 == 0 ? $"/r{route}/{new string('x', random.Next(0, 40))}/{{**rest}}" : $"/e{step}/{{**rest}}";
            var at = text.IndexOf($"\"r{route}\":", StringComparison.Ordinal);
            var pathAt = text.IndexOf("\"Path\":\"", at, StringComparison.Ordinal) + 8;
            text = string.Concat(text.AsSpan(0, pathAt), path, text.AsSpan(text.IndexOf('"', pathAt)));
            var next = Encoding.UTF8.GetBytes(text);

            Assert.True(ReverseProxyConfigParser.TryParse(next, new ProxyConfigBaseline(bytes, served), out var parsed, out var error), error);
            AssertSameAsAFreshParse(next, parsed);
            Assert.Equal(path, parsed.Routes.Single(r => r.RouteId == $"r{route}").Match.Path);
            (bytes, served) = (next, parsed);
        }
    }

    [Theory]
    [InlineData("R10")] // the same id as a route the parser takes from before the edit, in another case
    [InlineData("r900")] // ... and from after it
    public void An_edit_that_renames_a_route_to_an_id_it_jumps_over_is_refused_as_a_fresh_parse_would(string id)
    {
        var first = Encoding.UTF8.GetBytes(ProxyConfigs.Many(1_000, "http://127.0.0.1:1/"));
        Assert.True(ReverseProxyConfigParser.TryParse(first, out var served, out _));
        var edited = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(first).Replace("\"r500\":", $"\"{id}\":", StringComparison.Ordinal));

        Assert.False(ReverseProxyConfigParser.TryParse(edited, out _, out var freshError));
        Assert.False(ReverseProxyConfigParser.TryParse(edited, new ProxyConfigBaseline(first, served), out _, out var error));

        Assert.Contains("[rule: duplicate-key]", freshError, StringComparison.Ordinal);
        Assert.Contains("[rule: duplicate-key]", error, StringComparison.Ordinal);
    }

    private static void AssertSameAsAFreshParse(byte[] json, ReverseProxyConfig parsed)
    {
        Assert.True(ReverseProxyConfigParser.TryParse(json, out var fresh, out _));
        Assert.Equal(fresh.Routes, parsed.Routes);
        Assert.Equal(fresh.Clusters, parsed.Clusters);
        Assert.Equal(fresh.Sources!.Routes!.OrderBy(p => p.Key, StringComparer.Ordinal), parsed.Sources!.Routes!.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(fresh.Sources.Clusters!.OrderBy(p => p.Key, StringComparer.Ordinal), parsed.Sources.Clusters!.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
