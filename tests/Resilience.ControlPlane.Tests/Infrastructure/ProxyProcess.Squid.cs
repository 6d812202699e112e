using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Resilience.ControlPlane.Tests;

internal sealed partial class ProxyProcess
{
    /// <summary>
    /// Starts squid with an <c>https_port</c> (TLS to the proxy with the given certificate) and Basic authentication
    /// (an NCSA password file made with <c>openssl passwd -apr1</c>). Every CONNECT port is allowed.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static async Task<ProxyProcess> StartSquidHttpsAsync(X509Certificate2 certificate, string user, string password)
    {
        const string binary = "/usr/sbin/squid";
        if (!File.Exists(binary))
        {
            Assert.Fail($"{binary} is missing: run scripts/setup.sh, which installs squid-openssl.");
        }

        // squid drops to its own user: the directory and files must be readable by it.
        var directory = System.IO.Directory.CreateTempSubdirectory("resilience-squid-").FullName;
        File.SetUnixFileMode(directory, (UnixFileMode)0x1FF);
        TestPki.WritePem(certificate, Path.Combine(directory, "proxy.crt"), Path.Combine(directory, "proxy.key"));
        var hash = await RunAsync("/usr/bin/openssl", $"passwd -apr1 {password}");
        await File.WriteAllTextAsync(Path.Combine(directory, "passwd"), $"{user}:{hash.Trim()}\n");
        foreach (var file in System.IO.Directory.GetFiles(directory))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0x1A4);
        }

        var httpPort = FreePort.Next();
        var httpsPort = FreePort.Next();
        var config = Path.Combine(directory, "squid.conf");
        await File.WriteAllLinesAsync(config,
        [
            $"http_port 127.0.0.1:{httpPort}",
            $"https_port 127.0.0.1:{httpsPort} tls-cert={directory}/proxy.crt tls-key={directory}/proxy.key",
            $"auth_param basic program /usr/lib/squid/basic_ncsa_auth {directory}/passwd",
            "auth_param basic realm link",
            "acl authed proxy_auth REQUIRED",
            "http_access allow CONNECT authed",
            "http_access deny all",
            $"pid_filename {directory}/squid.pid",
            $"cache_log {directory}/cache.log",
            $"access_log stdio:{directory}/access.log",
            "cache deny all",
            "cache_mem 8 MB",
            $"coredump_dir {directory}",
            "shutdown_lifetime 1 seconds",
        ]);
        var process = Start(binary, $"-N -f {config}");
        var proxy = new ProxyProcess(process, httpsPort, directory);
        await proxy.WaitListeningAsync(Path.Combine(directory, "cache.log"));
        return proxy;
    }

    private static async Task<string> RunAsync(string binary, string arguments)
    {
        if (!File.Exists(binary))
        {
            Assert.Fail($"{binary} is missing");
        }

        var info = new ProcessStartInfo(binary, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
