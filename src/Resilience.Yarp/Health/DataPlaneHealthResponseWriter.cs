using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resilience.Yarp;

/// <summary>
/// Writes a health report as JSON with the node's state, so a probe or an operator sees what is served without
/// the admin endpoints: the status, the serving tier, the configuration (hash, version, age), the link (status,
/// endpoint, since when, last error), the last apply result, the licence when one is held, and every check that
/// ran. <c>MapDataPlaneHealthChecks</c> uses it for liveness and readiness; pass it as
/// <c>HealthCheckOptions.ResponseWriter</c> to a health endpoint of your own. The fields are listed in
/// docs/operations.md.
/// </summary>
public static class DataPlaneHealthResponseWriter
{
    /// <summary>The response's content type: <c>application/json; charset=utf-8</c>.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>Writes <paramref name="report"/> and the data plane's state as JSON.</summary>
    /// <param name="context">The request.</param>
    /// <param name="report">The health checks' report.</param>
    /// <returns>A task that completes when the body is written.</returns>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = ContentType;
        var services = context.RequestServices;
        var dataPlane = services.GetService<IDataPlane>();
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            if (dataPlane is not null)
            {
                WriteState(json, dataPlane, now);
            }

            WriteChecks(json, report);
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteState(Utf8JsonWriter json, IDataPlane dataPlane, DateTimeOffset now)
    {
        var state = dataPlane.State;
        json.WriteString("serving_tier", state.ServingTier.ToString());
        json.WriteBoolean("startup_completed", state.StartupCompleted);

        json.WritePropertyName("config");
        if (dataPlane.Current is { } config)
        {
            json.WriteStartObject();
            json.WriteString("hash", config.Hash);
            WriteStringOrNull(json, "version", config.Version);
            json.WriteString("received_at", config.ReceivedAt);
            if (config.Timestamp is { } timestamp)
            {
                json.WriteString("timestamp", timestamp);
            }

            // The same age as the resilience.config.age gauge: since the control plane produced it, else since receipt.
            json.WriteNumber("age_seconds", Math.Round((now - (config.Timestamp ?? config.ReceivedAt)).TotalSeconds, 3));
            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }

        var link = state.Link;
        json.WriteStartObject("link");
        json.WriteString("status", link.Status.ToString());
        WriteStringOrNull(json, "endpoint", link.Endpoint is { } endpoint ? ClusterLinkEndpoint.Display(endpoint) : null);
        if (link.Since != DateTimeOffset.MinValue)
        {
            json.WriteString("since", link.Since);
        }

        json.WriteNumber("attempts", link.Attempts);
        WriteStringOrNull(json, "last_error", link.LastError);
        json.WriteEndObject();

        json.WritePropertyName("last_apply");
        if (state.LastApplyResult is { } apply)
        {
            json.WriteStartObject();
            json.WriteString("outcome", apply.Outcome.ToString());
            json.WriteString("origin", apply.Origin.ToString());
            WriteStringOrNull(json, "hash", apply.Hash);
            if (apply.Outcome == ApplyOutcome.Rejected)
            {
                json.WriteString("reason", apply.Reason.ToString());
            }

            json.WriteStartArray("errors");
            foreach (var error in apply.Errors)
            {
                json.WriteStringValue(error);
            }

            json.WriteEndArray();
            json.WriteString("completed_at", apply.CompletedAt);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }

        if (state.License is { } license)
        {
            json.WriteStartObject("license");
            json.WriteString("subject", license.Subject);
            json.WriteString("expires_at", license.ExpiresAt);
            json.WriteBoolean("expired", license.IsExpired);
            json.WriteBoolean("serving_stopped", license.ServingStopped);
            json.WriteEndObject();
        }
    }

    private static void WriteChecks(Utf8JsonWriter json, HealthReport report)
    {
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            WriteStringOrNull(json, "description", entry.Description);
            json.WriteNumber("duration_seconds", Math.Round(entry.Duration.TotalSeconds, 6));
            if (entry.Exception is { } exception)
            {
                json.WriteString("error", $"{exception.GetType().Name}: {exception.Message}");
            }

            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    WriteValue(json, key, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>Check data holds strings, numbers and booleans (ours do); anything else is written as its text.</summary>
    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool flag:
                json.WriteBoolean(key, flag);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double number when double.IsFinite(number):
                json.WriteNumber(key, number);
                break;
            case float number when float.IsFinite(number):
                json.WriteNumber(key, number);
                break;
            case decimal number:
                json.WriteNumber(key, number);
                break;
            case DateTimeOffset time:
                json.WriteString(key, time);
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
