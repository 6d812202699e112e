using Microsoft.Extensions.Options;

namespace Resilience;

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

        if (options.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != "wss" && endpoint.Scheme != "ws")))
        {
            builder.AddError("must be an absolute wss:// URI", nameof(options.Endpoint));
        }
        else if (options.Endpoint is { Scheme: "ws" })
        {
            builder.AddError("must use wss://: the link is mutual TLS", nameof(options.Endpoint));
        }

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

        if (options.MaxDecompressedBytes < 1)
        {
            builder.AddError("must be positive", nameof(options.MaxDecompressedBytes));
        }

        return builder.Build();
    }
}
