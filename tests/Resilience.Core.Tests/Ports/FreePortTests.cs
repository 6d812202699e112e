using System.Net;
using System.Net.Sockets;

namespace Resilience.Core.Tests.Ports;

/// <summary>
/// The shared port picker (tests/Shared/Ports) every test project uses for a port bound later: below the kernel's
/// ephemeral range, and free when picked.
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void Picks_ports_below_the_ephemeral_range_that_can_be_bound()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = FreePort.Next();

            Assert.InRange(port, 20000, 32767);
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
    }

    [Fact]
    public void A_port_something_listens_on_is_not_bindable_and_is_again_once_released()
    {
        var port = FreePort.Next();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();

        Assert.False(FreePort.IsBindable(port));

        listener.Stop();
        Assert.True(FreePort.IsBindable(port));
    }
}
