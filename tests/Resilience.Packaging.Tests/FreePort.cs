using System.Net;
using System.Net.Sockets;

namespace Resilience.Packaging.Tests;

internal static class FreePort
{
    private const int First = 20000;

    // Linux's ephemeral range starts at 32768 (net.ipv4.ip_local_port_range 32768-60999).
    private const int EphemeralStart = 32768;

    /// <summary>
    /// A port nothing listens on now, below the kernel's ephemeral range. The processes these tests start take seconds
    /// (dotnet run) before they bind; a port from the ephemeral range can meanwhile become the local port of any
    /// outgoing connection on the machine (a CI run failed so: the quick start's upstream found its port in use).
    /// </summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(First, EphemeralStart);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {EphemeralStart - 1}");
    }
}
