using System.Net;
using System.Net.Sockets;

namespace Resilience.Tests;

/// <summary>
/// The one way tests pick a loopback port that something binds later (a child process, a server started after the
/// pick) or that must stay closed: a random port below the kernel's ephemeral range that can be bound now. A port from
/// the ephemeral range (what binding port 0 returns) can meanwhile become the local port of any outgoing connection on
/// the machine, or the port of any listener bound with port 0 (every Kestrel of a parallel test process): a fresh-clone
/// CI run failed so (a process that bound seconds later found its port in use). Random within the range, because the
/// test projects run in parallel and each picks its own. A listener the test binds itself and keeps should bind port 0
/// and read its address instead.
/// </summary>
public static class FreePort
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
            if (IsBindable(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {EphemeralStart - 1}");
    }

    /// <summary>Whether <paramref name="port"/> can be bound on the loopback address now (bound, then released).</summary>
    public static bool IsBindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
