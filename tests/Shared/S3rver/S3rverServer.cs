using System.Diagnostics;
using System.Globalization;
using Resilience.Tests.Servers;

namespace Resilience.Tests.S3rver;

/// <summary>
/// A real <c>s3rver</c> (S3-compatible server, npm) on 127.0.0.1 with a free port and a temporary directory,
/// with one bucket. Installed into <c>tools/s3rver</c> by <c>scripts/setup.sh</c>; killed on dispose.
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private readonly Process _process;
    private readonly string _directory;

    private S3rverServer(Process process, string directory, int port, string bucket)
    {
        _process = process;
        _directory = directory;
        Port = port;
        Bucket = bucket;
    }

    public int Port { get; }

    public string Bucket { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Gets the server's process id (tests freeze it with SIGSTOP to make the store unreachable).</summary>
    public int ProcessId => _process.Id;

    public static S3rverServer Start(string bucket)
    {
        var directory = Path.Combine(Path.GetTempPath(), "resilience-s3rver-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var (process, port) = LoopbackServerProcess.Start(
            "s3rver",
            "s3rver",
            port => ["--directory", directory, "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--silent", "--configure-bucket", bucket],
            TimeSpan.FromSeconds(30));
        return new S3rverServer(process, directory, port, bucket);
    }

    public void Dispose()
    {
        LoopbackServerProcess.Kill(_process);
        LoopbackServerProcess.DeleteDirectory(_directory);
    }

    /// <summary>The directory holding Resilience.sln, found by walking up from the test binaries.</summary>
    public static string FindRepositoryRoot() => LoopbackServerProcess.FindRepositoryRoot();
}
