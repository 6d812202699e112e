using System.Net;
using System.Net.Sockets;

namespace Resilience.Samples.Demo;

/// <summary>
/// A loopback port for a process started later (the demo's control plane, gateways and upstreams): a random port below
/// the kernel's ephemeral range that can be bound now. A port from the ephemeral range (what binding port 0 returns) can
/// meanwhile become the local port of any outgoing connection, or of any listener bound with port 0, before the process
/// binds it. The tests and the benchmarks pick theirs the same way (tests/Shared/Ports/FreePort.cs; a sample does not
/// reference the tests).
/// </summary>
internal static class FreeLoopbackPort
{
    private const int First = 20000;

    // Linux's ephemeral range starts at 32768 (net.ipv4.ip_local_port_range 32768-60999).
    private const int EphemeralStart = 32768;

    /// <summary>A port nothing listens on now, below the ephemeral range.</summary>
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
