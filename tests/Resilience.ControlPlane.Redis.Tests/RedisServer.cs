using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Resilience.ControlPlane.Redis.Tests;

/// <summary>
/// A real <c>redis-server</c> (Debian package, installed by scripts/setup.sh) on a free loopback port, in a temp
/// directory, without persistence: stopping it loses its data, as a Redis restart without AOF/RDB does. The system
/// service is not used.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>The StackExchange.Redis configuration string; short timeouts so a stopped server is noticed quickly.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,connectRetry=1";

    public static async Task<RedisServer> StartAsync()
    {
        var server = new RedisServer(FreePort.Next(), System.IO.Directory.CreateTempSubdirectory("resilience-redis-").FullName);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--dir", Directory, "--daemonize", "no", "--logfile", Path.Combine(Directory, "redis.log") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (scripts/setup.sh installs it)");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server (its data is gone) and waits until it exited.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
