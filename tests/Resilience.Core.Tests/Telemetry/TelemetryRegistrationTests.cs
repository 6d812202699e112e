using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Resilience.Tests.Telemetry;

/// <summary>How a gateway gets the recorder and how the Telemetry section is bound and validated.</summary>
public sealed class TelemetryRegistrationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task The_recorder_is_one_buffer_sized_from_the_Telemetry_section()
    {
        var settings = ChainNode.Settings(_dir);
        settings["Resilience:Telemetry:BufferSizeLimit"] = "1234";
        settings["Resilience:Telemetry:FlushInterval"] = "00:00:05";
        await using var node = await ChainNode.StartAsync(settings);

        var recorder = node.Services.GetRequiredService<IUsageRecorder>();
        recorder.Record(new UsageRecord("svc", "route", null, 200, TimeSpan.FromMilliseconds(2), 1, 2));

        var buffer = Assert.IsType<UsageBuffer>(recorder);
        Assert.Same(buffer, node.Services.GetRequiredService<IUsageRecorder>());
        Assert.Equal(1234, buffer.Capacity);
        Assert.Equal(1, buffer.Recorded);
        Assert.Equal(TimeSpan.FromSeconds(5), node.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.FlushInterval);
    }

    [Fact]
    public void Defaults_are_the_references_100000_records_and_1_s_flush()
    {
        var options = new TelemetryOptions();

        Assert.Equal(100_000, options.BufferSizeLimit);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.Equal(10_000, options.MaxBatchSize);
    }

    [Theory]
    [InlineData("BufferSizeLimit", "0")]
    [InlineData("FlushInterval", "00:00:00")]
    [InlineData("MaxBatchSize", "0")]
    public async Task An_invalid_telemetry_option_stops_start_up(string option, string value)
    {
        var settings = ChainNode.Settings(_dir);
        settings[$"Resilience:Telemetry:{option}"] = value;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ChainNode.StartAsync(settings));

        Assert.Contains(option, error.Message);
    }

    public void Dispose() => _dir.Dispose();
}
