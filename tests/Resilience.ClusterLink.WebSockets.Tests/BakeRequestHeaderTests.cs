using System.Net.WebSockets;
using System.Text;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>The <c>bake</c> field of a configuration header: it round-trips, and the worst numbers a peer can send are refused with a reason.</summary>
public sealed class BakeRequestHeaderTests
{
    [Fact]
    public void A_request_goes_over_the_wire_and_comes_back_the_same()
    {
        var request = new BakeRequest { DetectionWindow = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromMilliseconds(100), MinimumRequests = 3, MaxFailedRequestRatioIncrease = 0.02 };
        var message = LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Config, Hash = "h", Bake = BakeRequestHeader.From(request) }, [1]);

        var (header, _) = LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, message, message.Length));

        Assert.Contains("\"bake\":{\"detection_window_ms\":1000,\"evaluation_interval_ms\":100,\"minimum_requests\":3,\"max_failed_increase\":0.02}", Encoding.UTF8.GetString(message));
        Assert.Equal(request, header.Bake!.ToRequest(out var why));
        Assert.Null(why);
        Assert.Null(BakeRequestHeader.From(null));
    }

    [Theory]
    [InlineData("""{"detection_window_ms":-1}""", "out of range")]
    [InlineData("""{"detection_window_ms":9223372036854775807}""", "out of range")]
    [InlineData("""{"detection_window_ms":99}""", "detection window")]
    [InlineData("""{"evaluation_interval_ms":5}""", "evaluation interval")]
    [InlineData("""{"evaluation_interval_ms":3600000}""", "evaluation interval")]
    [InlineData("""{"minimum_requests":0}""", "minimum number of requests")]
    [InlineData("""{"minimum_requests":2147483648}""", "out of range")]
    [InlineData("""{"max_failed_increase":-0.5}""", "failed-request share increase")]
    [InlineData("""{"max_failed_increase":1e308}""", "failed-request share increase")]
    [InlineData("""{"max_failed_increase":1e999}""", "failed-request share increase")]
    [InlineData("""{"max_failed_increase":-1e999}""", "failed-request share increase")]
    public void A_value_out_of_bounds_is_refused_with_a_reason(string bake, string reason)
    {
        var header = Decode(bake);

        Assert.Null(header.Bake!.ToRequest(out var why));
        Assert.Contains(reason, why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"detection_window_ms":"1000"}""")]
    [InlineData("""{"minimum_requests":1.5}""")]
    [InlineData("""[1]""")]
    public void A_field_of_the_wrong_kind_is_a_protocol_error(string bake) =>
        Assert.Throws<LinkProtocolException>(() => Decode(bake));

    private static BinaryHeader Decode(string bake)
    {
        var json = Encoding.UTF8.GetBytes($$"""{"type":"config","hash":"h","bake":{{bake}}}""");
        var message = new byte[4 + json.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(message, (uint)json.Length);
        json.CopyTo(message, 4);
        return LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, message, message.Length)).Header;
    }
}
