namespace Resilience.Samples.ControlPlane;

/// <summary>
/// Restricts endpoints to the Kestrel listener they belong to, by the local port of the connection. Unlike
/// <c>RequireHost("*:port")</c>, which matches the client's Host header, this keeps working when nodes come
/// through a load balancer or a port-forward on another port: the connection still arrives on the listener's port.
/// </summary>
internal static class ListenerPortEndpointExtensions
{
    /// <summary>Serves the endpoint only on connections accepted on <paramref name="port"/>; others get 404.</summary>
    public static TBuilder RequireListenerPort<TBuilder>(this TBuilder builder, int port)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerPort(port));

    /// <summary>Adds the check; call after routing (a minimal host routes first) and before the endpoints run.</summary>
    public static IApplicationBuilder UseListenerPortRestriction(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ListenerPort>() is { } listener && context.Connection.LocalPort != listener.Port)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(context);
        });

    /// <summary>The listener port an endpoint belongs to.</summary>
    private sealed record ListenerPort(int Port);
}
