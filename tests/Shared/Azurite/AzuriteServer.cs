using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Resilience.Tests.Servers;

namespace Resilience.Tests.Azurite;

/// <summary>
/// A real Azurite (Microsoft's Azure Storage emulator, npm <c>azurite</c>) blob service on 127.0.0.1 with a free port
/// and a temporary directory, with the well-known development account <c>devstoreaccount1</c>. Installed into
/// <c>tools/azurite</c> by <c>scripts/setup.sh</c>; killed on dispose.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;
    private readonly string _directory;

    private AzuriteServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Gets the blob service endpoint (path-style: the account is the first segment).</summary>
    public string Endpoint => BlobEndpoint(Port);

    /// <summary>Gets a connection string with the development account's key.</summary>
    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>Gets the server's process id (tests freeze it with SIGSTOP to make the store unreachable).</summary>
    public int ProcessId => _process.Id;

    public static AzuriteServer Start()
    {
        var directory = Path.Combine(Path.GetTempPath(), "resilience-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var (process, port) = LoopbackServerProcess.Start(
            "azurite",
            "azurite-blob",
            // --skipApiVersionCheck: the SDK may speak a newer service version than the emulator knows.
            port => ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture), "--location", directory, "--silent", "--disableTelemetry", "--skipApiVersionCheck"],
            TimeSpan.FromSeconds(60));
        return new AzuriteServer(process, directory, port);
    }

    /// <summary>The blob endpoint of an Azurite (or a proxy in front of one) on <paramref name="port"/>.</summary>
    public static string BlobEndpoint(int port) => $"http://127.0.0.1:{port}/{AccountName}";

    /// <summary>A connection string for the development account at <paramref name="port"/>.</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint(port)};";

    /// <summary>Creates a container (the store never creates one: an operator does, with its access policy).</summary>
    public async Task CreateContainerAsync(string name) =>
        await new BlobServiceClient(ConnectionString).GetBlobContainerClient(name).CreateIfNotExistsAsync();

    public void Dispose()
    {
        LoopbackServerProcess.Kill(_process);
        LoopbackServerProcess.DeleteDirectory(_directory);
    }
}
