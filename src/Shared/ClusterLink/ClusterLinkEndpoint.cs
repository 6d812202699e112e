namespace Resilience;

/// <summary>How a control-plane endpoint is named in metric tags and health data.</summary>
internal static class ClusterLinkEndpoint
{
    /// <summary>Returns scheme, host, port and path: never user information, query or fragment, which may carry secrets.</summary>
    public static string Display(Uri endpoint) => endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
}
