using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Resilience.ControlPlane;
using Resilience.Samples.ControlPlane;

// The sample's own settings (appsettings.json beside the executable) load wherever it is started from: its defaults,
// PKI mode among them, must not depend on the working directory. Paths in them are relative to that directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--pki"] = "ControlPlane:PkiDirectory", ["--config"] = "ControlPlane:ConfigPath" });
var options = builder.Configuration.GetSection("ControlPlane").Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
var pki = Path.GetFullPath(options.PkiDirectory);
options.ServerCertificatePath = Path.GetFullPath(options.ServerCertificatePath ?? Path.Combine(pki, "cp.pem"));
options.ServerKeyPath = Path.GetFullPath(options.ServerKeyPath ?? Path.Combine(pki, "cp.key"));
options.ConfigPath = Path.GetFullPath(options.ConfigPath);
var address = IPAddress.Parse(options.ListenAddress);
var (serverCertificate, serverChain) = LoadServerCertificate(options);

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Data planes: mutual TLS, client certificates checked by the hub's rules (PKI mode: chains to the trusted CA).
    kestrel.Listen(address, options.HubPort, listen => listen.UseHttps(https =>
    {
        https.ServerCertificate = serverCertificate;

        // The intermediates go with the leaf, so a node that trusts only the root can build the chain.
        https.ServerCertificateChain = serverChain;
        https.RequireDataPlaneClientCertificate(kestrel.ApplicationServices);
    }));

    // Operators: plain HTTP, meant for loopback.
    kestrel.Listen(address, options.AdminPort);
});
builder.Services.AddDataPlaneHub(builder.Configuration.GetSection("DataPlaneHub"));
builder.Services.PostConfigure<DataPlaneHubOptions>(hub =>
{
    // PKI mode trusts the development PKI's CA unless a CA is configured.
    if (hub.AuthenticationMode == DataPlaneAuthenticationMode.Pki && string.IsNullOrWhiteSpace(hub.TrustedCaPath) && hub.TrustedCaCertificates.Count == 0)
    {
        hub.TrustedCaPath = Path.Combine(pki, "ca.pem");
    }
});
builder.Services.AddSingleton(options);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.AddHostedService<ConfigFileWatcher>();

var app = builder.Build();

// Endpoints belong to a listener by the connection's local port, not the Host header: nodes behind a load
// balancer or port-forward send the balancer's host and port.
app.UseListenerPortRestriction();
app.MapDataPlaneHub("/v1/outlet").RequireListenerPort(options.HubPort);
app.MapGet("/nodes", (IDataPlaneRegistry registry) => registry.GetAll()).RequireListenerPort(options.AdminPort);
app.MapGet("/config", (IConfigPublisher publisher) => publisher.Latest is { } latest
    ? Results.Ok(new { latest.Hash, latest.Version, latest.Timestamp, latest.Size })
    : Results.NotFound()).RequireListenerPort(options.AdminPort);
app.Lifetime.ApplicationStarted.Register(() =>
{
    var hub = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataPlaneHubOptions>>().Value;
    var trust = hub.AuthenticationMode == DataPlaneAuthenticationMode.Pki ? $"trusting {hub.TrustedCaPath}" : $"pinned {hub.PinnedCertificatesPath}";
    app.Logger.LogInformation(
        "Hub wss://{Address}:{HubPort}/v1/outlet ({Mode} mode, {Trust}; server certificate {Certificate}); operators http://{Address}:{AdminPort}/nodes and /config; publishing {ConfigPath}.",
        options.ListenAddress, options.HubPort, hub.AuthenticationMode, trust, options.ServerCertificatePath, options.ListenAddress, options.AdminPort, options.ConfigPath);
});
app.Run();

static (X509Certificate2 Leaf, X509Certificate2Collection Chain) LoadServerCertificate(ControlPlaneOptions options)
{
    foreach (var file in new[] { options.ServerCertificatePath!, options.ServerKeyPath! })
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException(
                $"{file} does not exist. Make a development PKI with `dotnet run --project samples/Demo -c Release -- pki {Path.GetDirectoryName(file)}` "
                + "and start the control plane with `--pki` naming that folder, or set ControlPlane:ServerCertificatePath and ControlPlane:ServerKeyPath.",
                file);
        }
    }

    using var pem = X509Certificate2.CreateFromPemFile(options.ServerCertificatePath!, options.ServerKeyPath!);

    // A key loaded from PEM is ephemeral, which Windows' TLS layer cannot use; a PKCS#12 round trip works everywhere.
    var leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);

    // Everything after the leaf in the PEM file is its chain (intermediates; a root there is harmless).
    var bundle = new X509Certificate2Collection();
    bundle.ImportFromPemFile(options.ServerCertificatePath!);
    var chain = new X509Certificate2Collection();
    foreach (var certificate in bundle)
    {
        if (!certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
        {
            chain.Add(certificate);
        }
    }

    return (leaf, chain);
}
