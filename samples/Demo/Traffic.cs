namespace Resilience.Samples.Demo;

/// <summary>One proxied request: which node, its status (0 when the connection failed) and the configuration version that routed it.</summary>
internal sealed record ProxiedResponse(GatewayNode Node, int Status, string? Version)
{
    public bool Succeeded => Status == 200;
}

/// <summary>Real HTTP requests through the gateways to the upstream, spread round-robin over the nodes.</summary>
internal static class Traffic
{
    public static async Task<IReadOnlyList<ProxiedResponse>> SendAsync(HttpClient client, IReadOnlyList<GatewayNode> nodes, int count, CancellationToken cancellationToken)
    {
        var responses = new List<ProxiedResponse>(count);
        for (var i = 0; i < count; i++)
        {
            var node = nodes[i % nodes.Count];
            try
            {
                using var response = await client.GetAsync($"{node.Url}/orders/{i}", cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                responses.Add(new ProxiedResponse(node, (int)response.StatusCode, UpstreamEcho.VersionIn(body)));
            }
            catch (HttpRequestException)
            {
                responses.Add(new ProxiedResponse(node, 0, null));
            }
        }

        return responses;
    }
}
