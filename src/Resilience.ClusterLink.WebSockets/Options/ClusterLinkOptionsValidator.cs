using Microsoft.Extensions.Options;

namespace Resilience.ClusterLink.WebSockets;

/// <summary>Attribute rules of <see cref="ClusterLinkOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class ClusterLinkOptionsValidator : IValidateOptions<ClusterLinkOptions>
{
}

/// <summary>Rules that span fields of <see cref="ClusterLinkOptions"/>.</summary>
internal sealed class ClusterLinkCrossFieldValidator : IValidateOptions<ClusterLinkOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterLinkOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.HeartbeatTimeout <= options.HeartbeatInterval)
        {
            builder.AddError("must be longer than HeartbeatInterval, or every connection would be declared dead before its first heartbeat answer", nameof(options.HeartbeatTimeout));
        }

        if (options.ReconnectDelayMin > options.ReconnectDelayMax)
        {
            builder.AddError("must not be longer than ReconnectDelayMax", nameof(options.ReconnectDelayMin));
        }

        if (options.MaxRetryAfter < options.ReconnectDelayMin)
        {
            builder.AddError("must not be shorter than ReconnectDelayMin: a busy control plane's Retry-After is never waited less than that", nameof(options.MaxRetryAfter));
        }

        ValidateEndpoints(options, builder);

        if (options.ClientCertificate is null && string.IsNullOrWhiteSpace(options.ClientCertificatePath))
        {
            builder.AddError("is required: the control plane authenticates data planes by their client certificate", nameof(options.ClientCertificatePath));
        }

        if (options.ClientCertificate is { HasPrivateKey: false })
        {
            builder.AddError("must carry its private key", nameof(options.ClientCertificate));
        }

        if (options.UseProxy)
        {
            if (options.ProxyUri is null)
            {
                builder.AddError("is required when UseProxy is on", nameof(options.ProxyUri));
            }
            else if (!options.ProxyUri.IsAbsoluteUri || (options.ProxyUri.Scheme != Uri.UriSchemeHttp && options.ProxyUri.Scheme != Uri.UriSchemeHttps))
            {
                builder.AddError("must be an absolute http:// or https:// URI", nameof(options.ProxyUri));
            }
        }

        return builder.Build();
    }

    private static void ValidateEndpoints(ClusterLinkOptions options, ValidateOptionsResultBuilder builder)
    {
        if (options.Endpoints.Count > 0 && options.Endpoint is not null)
        {
            builder.AddError("must not be set together with Endpoints: list every control plane in Endpoints", nameof(options.Endpoint));
        }

        if (options.Endpoints.Count == 0)
        {
            if (options.Endpoint is null)
            {
                builder.AddError("is required: set Endpoint, or Endpoints for several control planes", nameof(options.Endpoint));
            }
            else if (CheckEndpoint(options.Endpoint) is { } why)
            {
                builder.AddError(why, nameof(options.Endpoint));
            }

            return;
        }

        var seen = new HashSet<Uri>();
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            var name = $"{nameof(options.Endpoints)}[{i}]";
            if (endpoint is null)
            {
                builder.AddError("must be an absolute wss:// URI, not empty", name);
            }
            else if (CheckEndpoint(endpoint) is { } why)
            {
                builder.AddError(why, name);
            }
            else if (!seen.Add(endpoint))
            {
                builder.AddError($"lists {endpoint} a second time: each control plane once", name);
            }
        }
    }

    private static string? CheckEndpoint(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != "wss" && endpoint.Scheme != "ws"))
        {
            return "must be an absolute wss:// URI";
        }

        return endpoint.Scheme == "ws" ? "must use wss://: the link is mutual TLS" : null;
    }
}
