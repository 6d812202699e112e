using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using Resilience.ControlPlane;
using Resilience.Samples.ControlPlane;

var builder = WebApplication.CreateBuilder(args);
var options = builder.Configuration.GetSection("ControlPlane").Get<ControlPlaneOptions>() ?? new ControlPlaneOptions();
var address = IPAddress.Parse(options.ListenAddress);
var serverCertificate = LoadServerCertificate(options);

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Data planes: mutual TLS, client certificates checked by the hub's rules (PKI mode: chains to the trusted CA).
    kestrel.Listen(address, options.HubPort, listen => listen.UseHttps(https =>
    {
        https.ServerCertificate = serverCertificate;
        https.RequireDataPlaneClientCertificate(kestrel.ApplicationServices);
    }));

    // Operators: plain HTTP, meant for loopback.
    kestrel.Listen(address, options.AdminPort);
});
builder.Services.AddDataPlaneHub(builder.Configuration.GetSection("DataPlaneHub"));
builder.Services.AddSingleton(options);
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.AddHostedService<ConfigFileWatcher>();

var app = builder.Build();
app.MapDataPlaneHub("/v1/outlet").RequireHost($"*:{options.HubPort}");
app.MapGet("/nodes", (IDataPlaneRegistry registry) => registry.GetAll()).RequireHost($"*:{options.AdminPort}");
app.MapGet("/config", (IConfigPublisher publisher) => publisher.Latest is { } latest
    ? Results.Ok(new { latest.Hash, latest.Version, latest.Timestamp, latest.Size })
    : Results.NotFound()).RequireHost($"*:{options.AdminPort}");
app.Run();

static X509Certificate2 LoadServerCertificate(ControlPlaneOptions options)
{
    using var pem = X509Certificate2.CreateFromPemFile(options.ServerCertificatePath, options.ServerKeyPath);

    // A key loaded from PEM is ephemeral, which Windows' TLS layer cannot use; a PKCS#12 round trip works everywhere.
    return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
}
