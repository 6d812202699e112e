using System.Net.WebSockets;
using System.Text;
using Resilience.ClusterLink.WebSockets.Protocol;
using Resilience.Tests;
using Xunit.Abstractions;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// Mutated messages through the public protocol surface, as either end reads a peer's bytes: only the typed errors
/// (<see cref="LinkProtocolException"/> for framing and control messages, <see cref="FormatException"/> for a
/// telemetry batch) may come out.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Time = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public async Task Mutated_messages_are_read_or_refused_with_a_protocol_error()
    {
        var mutator = new Mutator(
            LinkFraming.EncodeControl(new HelloMessage { Type = LinkProtocol.Types.Hello, Protocol = 1, NodeId = "n", Hostname = "h", Version = "1", Labels = new() { ["a"] = "b" }, ConfigHash = "x" }),
            LinkFraming.EncodeControl(new ApplyResultMessage { Type = LinkProtocol.Types.ApplyResult, Hash = "h", Outcome = "rejected", Errors = ["e"] }),
            LinkFraming.EncodeControl(new LicenseMessage { Type = LinkProtocol.Types.License, Payload = "eyJ9" }),
            LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Config, Hash = "h", Timestamp = Time, Encoding = "gzip", Size = 3 }, [1, 2, 3]),
            LinkFraming.EncodeBinary(new BinaryHeader { Type = LinkProtocol.Types.Telemetry, Timestamp = Time, Encoding = "identity" }, "{}"u8),
            LinkFraming.EncodeBinary(
                new BinaryHeader
                {
                    Type = LinkProtocol.Types.Config, Hash = "h", Encoding = "gzip", Size = 3, Rollout = "r1",
                    Bake = new BakeRequestHeader { DetectionWindowMs = 1000, EvaluationIntervalMs = 100, MinimumRequests = 5, MaxFailedIncrease = 0.05 },
                },
                [1, 2, 3]));

        var (iterations, failures) = await Mutator.RunAsync(mutator, 4000, (input, _) =>
        {
            Read(new LinkFrame(WebSocketMessageType.Text, input, input.Length));
            Read(new LinkFrame(WebSocketMessageType.Binary, input, input.Length));
            return Task.CompletedTask;
        });

        Report("link messages", iterations, failures);
    }

    [Fact]
    public async Task Mutated_telemetry_batches_are_read_or_refused_as_malformed()
    {
        var (gzip, _) = TelemetryBatch.Encode([new UsageRecord("svc", "/a", "c", 200, TimeSpan.FromMilliseconds(2), 1, 2), new UsageRecord(null, null, null, 500, TimeSpan.Zero, 0, 0)], 3);
        var mutator = new Mutator(TestGzip.Decompress(gzip), """{"records":[],"dropped":0}"""u8.ToArray());

        var (iterations, failures) = await Mutator.RunAsync(mutator, 4000, (input, _) =>
        {
            try
            {
                TelemetryBatch.Decode(input);
            }
            catch (FormatException)
            {
            }

            return Task.CompletedTask;
        });

        Report("telemetry batches", iterations, failures);
    }

    private static void Read(LinkFrame frame)
    {
        try
        {
            if (frame.Kind == WebSocketMessageType.Binary)
            {
                // A bake request is read as the node reads it: usable, or refused with a reason (never an exception).
                var (header, _) = LinkFraming.DecodeBinary(frame);
                if (header.Bake is { } bake && bake.ToRequest(out var why) is null)
                {
                    Assert.False(string.IsNullOrEmpty(why));
                }

                return;
            }

            var (type, root) = LinkFraming.ParseControl(frame);
            _ = type switch
            {
                LinkProtocol.Types.Hello => LinkFraming.Deserialize<HelloMessage>(root),
                LinkProtocol.Types.ApplyResult => LinkFraming.Deserialize<ApplyResultMessage>(root),
                LinkProtocol.Types.License => LinkFraming.Deserialize<LicenseMessage>(root),
                LinkProtocol.Types.Welcome => LinkFraming.Deserialize<WelcomeMessage>(root),
                _ => (LinkMessage)LinkFraming.Deserialize<HeartbeatMessage>(root),
            };
        }
        catch (LinkProtocolException)
        {
        }
    }

    private void Report(string format, int iterations, List<string> failures)
    {
        output.WriteLine($"{format}: seed {Mutator.Seed}, {iterations} iterations, {failures.Count} escaped exceptions");
        foreach (var failure in failures.Take(20))
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"{format}: {failures.Count} of {iterations} inputs let an exception escape; first: {failures.FirstOrDefault()}");
    }
}
