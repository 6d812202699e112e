namespace Resilience.ControlPlane.Tests;

/// <summary>How the link names an endpoint in metric and span tags (scheme, host, port and path; never user information).</summary>
internal static class EndpointTag
{
    public static string Of(Uri endpoint) => endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
