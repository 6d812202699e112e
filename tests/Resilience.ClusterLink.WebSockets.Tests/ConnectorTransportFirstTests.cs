using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// An attempt opens the connection before it reads the certificate files: a node whose control plane is down (a
/// restart serving its cache) spends no CPU on its certificates and their chain (docs/benchmarks.md, the restart).
/// </summary>
public sealed class ConnectorTransportFirstTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("resilience-connector-").FullName;

    [Fact]
    public async Task A_refused_connection_ends_the_attempt_before_the_certificates_are_read()
    {
        // Nothing listens on the port; the certificate files do not exist. Reading them first would fail on the files.
        var endpoint = new Uri($"wss://127.0.0.1:{ClosedPort()}/v1/outlet");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Connector().ConnectAsync(endpoint, CancellationToken.None));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.IsAssignableFrom<SocketException>(error.InnerException);
        Assert.Contains("127.0.0.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_connection_reads_the_certificates_and_a_missing_file_is_the_attempt_s_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = new Uri($"wss://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/v1/outlet");

        var error = await Record.ExceptionAsync(() => Connector().ConnectAsync(endpoint, CancellationToken.None));

        Assert.NotNull(error);
        Assert.IsNotType<HttpRequestException>(error);
        Assert.Contains("client.pem", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ClusterLinkConnector Connector()
    {
        var options = new ClusterLinkOptions
        {
            ServerName = "localhost",
            ClientCertificatePath = Path.Combine(_directory, "client.pem"),
            ClientKeyPath = Path.Combine(_directory, "client.key"),
            TrustedCaPath = Path.Combine(_directory, "ca.pem"),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return new ClusterLinkConnector(options, TimeProvider.System, NullLogger.Instance);
    }

    private static int ClosedPort() => FreePort.Next();
}
