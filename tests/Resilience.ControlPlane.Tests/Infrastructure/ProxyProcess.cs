using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Resilience.ControlPlane.Tests;

/// <summary>A real forward proxy (tinyproxy or squid) started on a free loopback port with a generated configuration, stopped on dispose.</summary>
internal sealed partial class ProxyProcess : IDisposable
{
    private readonly Process _process;

    private ProxyProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>Starts tinyproxy with Basic authentication. Every CONNECT port is allowed (no <c>ConnectPort</c> line).</summary>
    public static async Task<ProxyProcess> StartTinyproxyAsync(string user, string password)
    {
        const string binary = "/usr/bin/tinyproxy";
        if (!File.Exists(binary))
        {
            Assert.Fail($"{binary} is missing: run scripts/setup.sh, which installs tinyproxy.");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("resilience-tinyproxy-").FullName;
        var port = FreePort.Next();
        var config = Path.Combine(directory, "tinyproxy.conf");
        await File.WriteAllTextAsync(config, $"""
            Port {port}
            Listen 127.0.0.1
            Timeout 60
            MaxClients 50
            Allow 127.0.0.1
            BasicAuth {user} {password}
            LogLevel Info
            LogFile "{Path.Combine(directory, "tinyproxy.log")}"
            PidFile "{Path.Combine(directory, "tinyproxy.pid")}"
            """);
        var process = Start(binary, $"-d -c {config}");
        var proxy = new ProxyProcess(process, port, directory);
        await proxy.WaitListeningAsync(Path.Combine(directory, "tinyproxy.log"));
        return proxy;
    }

    public static Process Start(string binary, string arguments)
    {
        var info = new ProcessStartInfo(binary, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{binary} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static ProxyProcess Adopt(Process process, int port, string directory) => new(process, port, directory);

    public async Task WaitListeningAsync(string log)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"the proxy exited with {_process.ExitCode}: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no log)")}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
