using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Resilience.ControlPlane;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Makes a Kestrel HTTPS endpoint require and check data-plane client certificates.</summary>
public static class DataPlaneKestrelExtensions
{
    /// <summary>
    /// Requires a client certificate on this HTTPS endpoint and accepts it by the hub's rules (pinned or PKI,
    /// see <see cref="DataPlaneHubOptions"/>); a refused certificate fails the TLS handshake. Use it in
    /// <c>ListenOptions.UseHttps(https =&gt; https.RequireDataPlaneClientCertificate(kestrel.ApplicationServices))</c>.
    /// </summary>
    /// <param name="https">The endpoint's HTTPS options (set its server certificate as usual).</param>
    /// <param name="services">The application's services, where <c>AddDataPlaneHub</c> registered the rules.</param>
    /// <returns>The same options.</returns>
    public static HttpsConnectionAdapterOptions RequireDataPlaneClientCertificate(this HttpsConnectionAdapterOptions https, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(https);
        ArgumentNullException.ThrowIfNull(services);
        var validator = services.GetRequiredService<DataPlaneCertificateValidator>();
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.CheckCertificateRevocation = false;
        https.ClientCertificateValidation = (certificate, chain, _) => validator.ValidateHandshake(certificate, chain);

        // A resumed TLS session carries the client's leaf but not the intermediates it sent, so a PKI chain
        // could not be checked again: every connection does a full handshake and a full check.
        var previous = https.OnAuthenticate;
        https.OnAuthenticate = (connection, options) =>
        {
            previous?.Invoke(connection, options);
            options.AllowTlsResume = false;
        };
        return https;
    }
}
