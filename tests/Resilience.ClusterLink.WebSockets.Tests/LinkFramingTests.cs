using System.Net.WebSockets;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>Findings of <see cref="ProtocolFuzzTests"/>, kept as regular tests.</summary>
public sealed class LinkFramingTests
{
    [Fact]
    public void A_control_message_whose_type_is_not_valid_UTF8_is_a_protocol_error()
    {
        // Fuzz seed 20261201, iteration 52: {"payload":"eyJ9","type":"\xCBicense"}. JsonDocument accepts the bytes; reading
        // the string threw InvalidOperationException, which neither end counted as a bad message (no 1002, no metric).
        var message = Convert.FromBase64String("eyJwYXlsb2FkIjoiZXlKOSIsInR5cGUiOiLLaWNlbnNlIn0=");

        var error = Assert.Throws<LinkProtocolException>(() => LinkFraming.ParseControl(new LinkFrame(WebSocketMessageType.Text, message, message.Length)));

        Assert.Equal(LinkProtocol.CloseCodes.ProtocolError, error.CloseCode);
        Assert.Equal("malformed", error.Reason);
    }
}
