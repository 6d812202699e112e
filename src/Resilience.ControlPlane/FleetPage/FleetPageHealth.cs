using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Resilience.ControlPlane;

/// <summary>
/// A node's health cell on the fleet page, from what its heartbeats and reports said (<see cref="DataPlaneInfo.Health"/>,
/// <see cref="DataPlaneInfo.LastRollback"/>): ready or not, the failed requests of its last heartbeat interval and since
/// this control plane knows it, the bake of its configuration, and its last rollback or revert (who, why, when). The
/// same values are in the cell's <c>data-</c> attributes, for scripts and tests.
/// </summary>
internal static class FleetPageHealth
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static void AppendCell(StringBuilder html, DataPlaneInfo node)
    {
        var health = node.Health;
        html.Append("<td class=\"health\"");
        if (health is not null)
        {
            html.Append(" data-ready=\"").Append(health.Ready ? "true" : "false")
                .Append("\" data-requests=\"").Append(health.TotalRequests.ToString(CultureInfo.InvariantCulture))
                .Append("\" data-failed=\"").Append(health.TotalFailedRequests.ToString(CultureInfo.InvariantCulture))
                .Append("\" data-bake=\"").Append(Html.Encode(health.Bake ?? string.Empty)).Append('"');
        }

        if (node.LastRollback is { } rollback)
        {
            html.Append(" data-last-rollback=\"").Append(rollback.Kind)
                .Append("\" data-rollback-from=\"").Append(Html.Encode(rollback.FromHash))
                .Append("\" data-rollback-actor=\"").Append(Html.Encode(rollback.Actor ?? string.Empty)).Append('"');
        }

        html.Append('>');
        if (health is null)
        {
            // An older node sends no health; a node gone says nothing now.
            html.Append(node.IsConnected ? "-" : "unknown");
        }
        else
        {
            html.Append("<span class=\"state ").Append(health.Ready ? "Ready\">ready" : "NotReady\">not ready").Append("</span>")
                .Append(" &middot; ").Append(Failed(health.FailedRequests, health.Requests)).Append(" last interval")
                .Append(" &middot; ").Append(Failed(health.TotalFailedRequests, health.TotalRequests)).Append(" in all");
            if (health.Bake is { Length: > 0 } bake && bake != "none")
            {
                html.Append(" &middot; bake <span class=\"state ").Append(Html.Encode(Capitalized(bake))).Append("\">").Append(Html.Encode(bake)).Append("</span>");
                if (health.BakeHash is { } baked)
                {
                    html.Append(" <code>").Append(Short(baked)).Append("</code>");
                }
            }

            if (!node.IsConnected)
            {
                html.Append(" (last report)");
            }
        }

        if (node.LastRollback is { } last)
        {
            html.Append("<div class=\"reason rollback\">")
                .Append(last.Kind == DataPlaneRollbackKind.Reverted ? "reverted" : "rolled back")
                .Append(" <code>").Append(Short(last.FromHash)).Append("</code> &rarr; <code>").Append(Short(last.ToHash)).Append("</code>")
                .Append(" by ").Append(Html.Encode(last.Actor ?? "unknown"))
                .Append(" at <time datetime=\"").Append(last.At.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
                .Append(last.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append("</time>");
            if (last.Reason is { Length: > 0 } reason)
            {
                html.Append(": ").Append(Html.Encode(reason));
            }

            html.Append("</div>");
        }

        html.Append("</td>");
    }

    private static string Failed(long failed, long requests) =>
        requests > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{failed} of {requests} failed ({(double)failed / requests * 100:0.0} %)")
            : "no requests";

    private static string Capitalized(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string Short(string? hash) => hash is { Length: > 12 } ? Html.Encode(hash[..12]) : Html.Encode(hash ?? "-");
}
