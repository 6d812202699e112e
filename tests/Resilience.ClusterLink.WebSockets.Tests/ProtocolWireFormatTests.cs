using System.Net.WebSockets;
using System.Text;
using Resilience.ClusterLink.WebSockets.Protocol;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// One encoded message of each kind, byte for byte. The expected bytes were produced by the protocol code before it
/// moved out of Resilience.Core (commit 478d9c9), so the move to a public package left the wire format as it was;
/// a change here is a protocol change (docs/protocol.md, versioning rule), not a refactoring.
/// </summary>
public sealed class ProtocolWireFormatTests
{
    private static readonly DateTimeOffset Time = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void The_version_and_sub_protocol_are_those_of_major_version_1()
    {
        Assert.Equal(1, LinkProtocol.Version);
        Assert.Equal("resilience.link.v1", LinkProtocol.SubProtocol);
    }

    [Fact]
    public void Hello() => AssertText(
        """{"protocol":1,"node_id":"node-1","hostname":"host-1","version":"1.2.3","labels":{"zone":"a"},"config_hash":"abc","type":"hello"}""",
        new HelloMessage { Type = LinkProtocol.Types.Hello, Protocol = LinkProtocol.Version, NodeId = "node-1", Hostname = "host-1", Version = "1.2.3", Labels = new() { ["zone"] = "a" }, ConfigHash = "abc" });

    [Fact]
    public void Hello_with_capabilities() => AssertText(
        """{"protocol":1,"node_id":"node-1","config_hash":"abc","capabilities":["delta"],"type":"hello"}""",
        new HelloMessage { Type = LinkProtocol.Types.Hello, Protocol = LinkProtocol.Version, NodeId = "node-1", ConfigHash = "abc", Capabilities = [LinkProtocol.Capabilities.Delta] });

    [Fact]
    public void Config_request() => AssertText(
        """{"hash":"def","config_hash":"abc","reason":"hash_mismatch","error":"the patched document hashes to 123","type":"config_request"}""",
        new ConfigRequestMessage { Type = LinkProtocol.Types.ConfigRequest, Hash = "def", ConfigHash = "abc", Reason = LinkProtocol.ConfigRequestReasons.HashMismatch, Error = "the patched document hashes to 123" });

    [Fact]
    public void Config_delta_envelope()
    {
        var header = new BinaryHeader { Type = LinkProtocol.Types.ConfigDelta, Hash = "def", Version = "v2", Timestamp = Time, Encoding = LinkProtocol.Encodings.Gzip, Size = 3, Signature = "c2ln", BaseHash = "abc", TargetSize = 1234 };
        var encoded = LinkFraming.EncodeBinary(header, [1, 2, 3]);

        const string json = """{"hash":"def","version":"v2","timestamp":"2026-01-02T03:04:05+00:00","encoding":"gzip","size":3,"signature":"c2ln","base_hash":"abc","target_size":1234,"type":"config_delta"}""";
        Assert.Equal("000000AE", Convert.ToHexString(encoded, 0, 4));
        Assert.Equal(0xAE, json.Length);
        Assert.Equal(json, Encoding.UTF8.GetString(encoded, 4, json.Length));
        Assert.Equal([1, 2, 3], encoded[(4 + json.Length)..]);
        var (decoded, payload) = LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, encoded, encoded.Length));
        Assert.Equal(("config_delta", "def", "abc", 1234L, "c2ln"), (decoded.Type, decoded.Hash, decoded.BaseHash, decoded.TargetSize, decoded.Signature));
        Assert.Equal([1, 2, 3], payload.ToArray());
    }

    [Fact]
    public void The_delta_names_are_those_of_the_protocol_document()
    {
        Assert.Equal(("config_delta", "config_request", "delta"), (LinkProtocol.Types.ConfigDelta, LinkProtocol.Types.ConfigRequest, LinkProtocol.Capabilities.Delta));
        Assert.Equal(
            ["base_mismatch", "patch_failed", "hash_mismatch", "too_large", "bad_compression"],
            new[] { LinkProtocol.ConfigRequestReasons.BaseMismatch, LinkProtocol.ConfigRequestReasons.PatchFailed, LinkProtocol.ConfigRequestReasons.HashMismatch, LinkProtocol.ConfigRequestReasons.TooLarge, LinkProtocol.ConfigRequestReasons.BadCompression });
    }

    [Fact]
    public void Welcome() => AssertText(
        """{"protocol":1,"latest_hash":"def","heartbeat_interval_ms":30000,"type":"welcome"}""",
        new WelcomeMessage { Type = LinkProtocol.Types.Welcome, Protocol = LinkProtocol.Version, LatestHash = "def", HeartbeatIntervalMs = 30000 });

    [Fact]
    public void Heartbeat_and_its_ack()
    {
        AssertText("""{"config_hash":"abc","type":"heartbeat"}""", new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = "abc" });
        AssertText("""{"latest_hash":"def","type":"heartbeat_ack"}""", new HeartbeatMessage { Type = LinkProtocol.Types.HeartbeatAck, LatestHash = "def" });
    }

    [Fact]
    public void Apply_result() => AssertText(
        """{"hash":"def","version":"v2","outcome":"rejected","reason":"ValidatorRejected","errors":["routes: required"],"config_hash":"abc","type":"apply_result"}""",
        new ApplyResultMessage { Type = LinkProtocol.Types.ApplyResult, Hash = "def", Version = "v2", Outcome = LinkProtocol.Outcomes.Rejected, Reason = "ValidatorRejected", Errors = ["routes: required"], ConfigHash = "abc" });

    [Fact]
    public void History_additions_of_version_1()
    {
        AssertText(
            """{"protocol":1,"node_id":"node-1","config_hash":"abc","capabilities":["history"],"type":"hello"}""",
            new HelloMessage { Type = LinkProtocol.Types.Hello, Protocol = LinkProtocol.Version, NodeId = "node-1", ConfigHash = "abc", Capabilities = [LinkProtocol.Capabilities.History] });
        AssertText(
            """{"config_hash":"abc","health":{"ready":true,"requests":120,"failed_requests":3,"bake":"baking","bake_hash":"abc"},"type":"heartbeat"}""",
            new HeartbeatMessage { Type = LinkProtocol.Types.Heartbeat, ConfigHash = "abc", Health = new HeartbeatHealth { Ready = true, Requests = 120, FailedRequests = 3, Bake = LinkProtocol.BakeStates.Baking, BakeHash = "abc" } });
        AssertText(
            """{"hash":"def","outcome":"reverted","reason":"40 of 50 requests failed","config_hash":"abc","actor":"self-revert","type":"apply_result"}""",
            new ApplyResultMessage { Type = LinkProtocol.Types.ApplyResult, Hash = "def", Outcome = LinkProtocol.Outcomes.Reverted, Reason = "40 of 50 requests failed", ConfigHash = "abc", Actor = "self-revert" });
        AssertText(
            """{"hash":"abc","reason":"wave 1 failed","actor":"control-plane:rollout-7","type":"rollback"}""",
            new RollbackMessage { Type = LinkProtocol.Types.Rollback, Hash = "abc", Reason = "wave 1 failed", Actor = "control-plane:rollout-7" });
        Assert.Equal(("rolled_back", "reverted", "rollback", "history"), (LinkProtocol.Outcomes.RolledBack, LinkProtocol.Outcomes.Reverted, LinkProtocol.Types.Rollback, LinkProtocol.Capabilities.History));
    }

    [Fact]
    public void License() => AssertText(
        """{"payload":"eyJ9","signature":"c2ln","type":"license"}""",
        new LicenseMessage { Type = LinkProtocol.Types.License, Payload = "eyJ9", Signature = "c2ln" });

    [Fact]
    public void Config_push_envelope()
    {
        var header = new BinaryHeader { Type = LinkProtocol.Types.Config, Hash = "def", Version = "v2", Timestamp = Time, Encoding = LinkProtocol.Encodings.Gzip, Size = 2, Signature = "c2ln" };
        var encoded = LinkFraming.EncodeBinary(header, [1, 2, 3]);

        Assert.Equal(
            "000000837B2268617368223A22646566222C2276657273696F6E223A227632222C2274696D657374616D70223A22323032362D30312D30325430333A30343A30352B30303A3030222C22656E636F64696E67223A22677A6970222C2273697A65223A322C227369676E6174757265223A2263326C6E222C2274797065223A22636F6E666967227D010203",
            Convert.ToHexString(encoded));
        var (decoded, payload) = LinkFraming.DecodeBinary(new LinkFrame(WebSocketMessageType.Binary, encoded, encoded.Length));
        Assert.Equal(("config", "def", "v2", Time, "gzip", 2L, "c2ln"), (decoded.Type, decoded.Hash, decoded.Version, decoded.Timestamp, decoded.Encoding, decoded.Size, decoded.Signature));
        Assert.Equal([1, 2, 3], payload.ToArray());
    }

    [Fact]
    public void Telemetry_envelope_and_batch()
    {
        var header = new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Timestamp = Time, Encoding = LinkProtocol.Encodings.Identity, Size = 3 };

        Assert.Equal(
            "0000005B7B2274696D657374616D70223A22323032362D30312D30325430333A30343A30352B30303A3030222C22656E636F64696E67223A226964656E74697479222C2273697A65223A332C2274797065223A2274656C656D65747279227D7B7D0A",
            Convert.ToHexString(LinkFraming.EncodeBinary(header, "{}\n"u8)));

        // Gzip output depends on the runtime's zlib; the batch JSON inside it is the contract.
        var (gzip, size) = TelemetryBatch.Encode([new UsageRecord("svc", "/a", null, 200, TimeSpan.FromMilliseconds(1.5), 10, 20)], 7);
        const string json = """{"records":[{"service":"svc","route":"/a","status_code":200,"latency_ms":1.5,"request_bytes":10,"response_bytes":20}],"dropped":7}""";
        Assert.Equal(json, Encoding.UTF8.GetString(TestGzip.Decompress(gzip)));
        Assert.Equal(130, size);
        var (records, dropped) = TelemetryBatch.Decode(Encoding.UTF8.GetBytes(json));
        Assert.Equal(7, dropped);
        Assert.Equal(new UsageRecord("svc", "/a", null, 200, TimeSpan.FromMilliseconds(1.5), 10, 20), Assert.Single(records));
    }

    private static void AssertText<T>(string expected, T message)
        where T : LinkMessage
    {
        var encoded = LinkFraming.EncodeControl(message);
        Assert.Equal(expected, Encoding.UTF8.GetString(encoded));

        // And it reads back as the same message type.
        var (type, root) = LinkFraming.ParseControl(new LinkFrame(WebSocketMessageType.Text, encoded, encoded.Length));
        Assert.Equal(message.Type, type);
        Assert.Equal(expected, Encoding.UTF8.GetString(LinkFraming.EncodeControl(LinkFraming.Deserialize<T>(root))));
    }
}
