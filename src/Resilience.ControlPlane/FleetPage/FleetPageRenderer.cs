using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Resilience.ControlPlane;

/// <summary>
/// Renders the fleet page on the server: every node (configuration, sync, tier, link, health, wave) and the running
/// rollout (waves, nodes, gates, times, actions). The page's small script fetches the same content again every two
/// seconds; nothing is rendered in the browser, so the page and the fragment say the same thing.
/// </summary>
internal static class FleetPageRenderer
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string Page(FleetView view, string basePath)
    {
        var page = new StringBuilder(16 * 1024);
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet</title>")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<style>").Append(Style).Append("</style></head><body>")
            .Append("<header><h1>Fleet</h1><span id=\"refresh\">updated ").Append(Time(view.At)).Append("</span></header>")
            .Append("<main id=\"fleet\" data-fragment=\"").Append(Html.Encode(basePath + "/fragment"))
            .Append("\" data-actions=\"").Append(Html.Encode(basePath + "/rollout"))
            .Append("\" data-every=\"").Append(FleetPageDefaults.RefreshMilliseconds.ToString(CultureInfo.InvariantCulture)).Append("\">");
        Fragment(page, view);
        page.Append("</main><script>").Append(Script.Replace("{{header}}", FleetPageDefaults.ActionHeader, StringComparison.Ordinal)).Append("</script></body></html>");
        return page.ToString();
    }

    public static string Fragment(FleetView view)
    {
        var fragment = new StringBuilder(16 * 1024);
        Fragment(fragment, view);
        return fragment.ToString();
    }

    private static void Fragment(StringBuilder html, FleetView view)
    {
        var connected = view.Nodes.Count(n => n.IsConnected);
        html.Append("<section class=\"summary\" data-at=\"").Append(view.At.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
            .Append("<div>latest <code id=\"latest\" data-hash=\"").Append(Html.Encode(view.LatestHash ?? string.Empty)).Append("\">").Append(Short(view.LatestHash)).Append("</code> ").Append(Html.Encode(view.LatestVersion ?? string.Empty)).Append("</div>")
            .Append("<div>stable <code id=\"stable\" data-hash=\"").Append(Html.Encode(view.StableHash ?? string.Empty)).Append("\">").Append(Short(view.StableHash)).Append("</code> ").Append(Html.Encode(view.StableVersion ?? string.Empty)).Append("</div>")
            .Append("<div id=\"counts\" data-connected=\"").Append(connected).Append("\" data-total=\"").Append(view.Nodes.Count).Append("\">")
            .Append(connected).Append(" of ").Append(view.Nodes.Count).Append(" nodes connected</div></section>");
        if (view.Rollout is { } rollout)
        {
            Rollout(html, rollout);
        }
        else
        {
            html.Append("<section class=\"rollout none\">No rollout yet: publishes go to every node at once.</section>");
        }

        Nodes(html, view);
    }

    private static void Rollout(StringBuilder html, RolloutStatus rollout)
    {
        var active = rollout.Phase is RolloutPhase.Running or RolloutPhase.Paused or RolloutPhase.RollingBack;
        html.Append("<section class=\"rollout\" id=\"rollout\" data-rollout=\"").Append(Html.Encode(rollout.Id)).Append("\" data-phase=\"").Append(rollout.Phase).Append("\">")
            .Append("<h2>Rollout <code>").Append(Html.Encode(rollout.Id)).Append("</code> <span class=\"state ").Append(rollout.Phase).Append("\">").Append(rollout.Phase).Append("</span></h2>")
            .Append("<p>configuration <code>").Append(Short(rollout.ConfigHash)).Append("</code> ").Append(Html.Encode(rollout.ConfigVersion ?? string.Empty))
            .Append(" &middot; back to <code>").Append(Short(rollout.StableHash)).Append("</code>")
            .Append(" &middot; started ").Append(Time(rollout.StartedAt));
        if (rollout.EndedAt is { } ended)
        {
            html.Append(" &middot; ended ").Append(Time(ended));
        }

        if (rollout.Actor is { } actor)
        {
            html.Append(" &middot; by ").Append(Html.Encode(actor));
        }

        html.Append("</p>");
        if (rollout.Reason is { } reason)
        {
            html.Append("<p class=\"reason\">").Append(Html.Encode(reason)).Append("</p>");
        }

        if (rollout.BackplaneUnavailable)
        {
            html.Append("<p class=\"warning\" id=\"backplane\">The backplane cannot be reached: the rollout cannot move on until it is back. Nodes keep serving.</p>");
        }

        html.Append("<div class=\"actions\">");
        foreach (var (action, label, enabled) in new[]
        {
            ("pause", "Pause", rollout.Phase == RolloutPhase.Running),
            ("resume", "Resume", rollout.Phase == RolloutPhase.Paused),
            ("promote", "Promote now", rollout.Phase is RolloutPhase.Running or RolloutPhase.Paused),
            ("abort", "Abort", rollout.Phase is RolloutPhase.Running or RolloutPhase.Paused),
            ("rollback", "Roll back", rollout.Phase is RolloutPhase.Running or RolloutPhase.Paused or RolloutPhase.Completed),
        })
        {
            html.Append("<button type=\"button\" data-action=\"").Append(action).Append('"').Append(enabled && (active || action == "rollback") ? string.Empty : " disabled").Append('>').Append(label).Append("</button>");
        }

        html.Append("</div><div class=\"waves\">");
        foreach (var wave in rollout.Waves)
        {
            html.Append("<article class=\"wave\" data-wave=\"").Append(wave.Index).Append("\" data-state=\"").Append(wave.State).Append("\">")
                .Append("<h3>").Append(Html.Encode(wave.Name)).Append(" <span class=\"selector\">").Append(Html.Encode(wave.Selector)).Append("</span> <span class=\"state ").Append(wave.State).Append("\">").Append(wave.State).Append("</span></h3>")
                .Append("<p>bake ").Append(Html.Encode(wave.BakeTime.ToString("c", CultureInfo.InvariantCulture)));
            if (wave.StartedAt is { } started)
            {
                html.Append(" &middot; started ").Append(Time(started));
            }

            if (wave.BakeStartedAt is { } baking && wave.State == RolloutWaveState.Baking)
            {
                html.Append(" &middot; bakes until ").Append(Time(baking + wave.BakeTime));
            }

            if (wave.EndedAt is { } done)
            {
                html.Append(" &middot; ended ").Append(Time(done));
            }

            html.Append("</p><table class=\"gates\"><thead><tr><th>gate</th><th>state</th><th>value</th><th>requires</th></tr></thead><tbody>");
            foreach (var gate in wave.Gates)
            {
                html.Append("<tr data-gate=\"").Append(Html.Encode(gate.Name)).Append("\" data-state=\"").Append(gate.State).Append("\"><td>").Append(Html.Encode(gate.Name))
                    .Append("</td><td class=\"state ").Append(gate.State).Append("\">").Append(gate.State)
                    .Append("</td><td>").Append(Html.Encode(gate.Value ?? string.Empty))
                    .Append("</td><td>").Append(Html.Encode(gate.Threshold ?? string.Empty)).Append("</td></tr>");
            }

            html.Append("</tbody></table><ul class=\"wave-nodes\">");
            foreach (var node in wave.Nodes)
            {
                html.Append("<li data-node=\"").Append(Html.Encode(node.NodeId)).Append("\" data-state=\"").Append(node.State).Append("\"><span class=\"state ").Append(node.State).Append("\">").Append(node.State).Append("</span> ")
                    .Append(Html.Encode(node.NodeId));
                if (node.Requests > 0)
                {
                    html.Append(" &middot; ").Append(node.FailedRequests).Append(" failed of ").Append(node.Requests);
                }

                if (node.Reason is { } why)
                {
                    html.Append(" &middot; ").Append(Html.Encode(why));
                }

                html.Append("</li>");
            }

            html.Append("</ul></article>");
        }

        html.Append("</div></section>");
    }

    private static void Nodes(StringBuilder html, FleetView view)
    {
        var waves = view.Rollout?.Waves.SelectMany(w => w.Nodes.Select(n => (n.NodeId, w.Name))).ToDictionary(p => p.NodeId, p => p.Name, StringComparer.Ordinal)
            ?? new Dictionary<string, string>(StringComparer.Ordinal);
        html.Append("<table class=\"nodes\" id=\"nodes\"><thead><tr><th>node</th><th>host</th><th>version</th><th>labels</th><th>link</th><th>configuration</th><th>sync</th><th>tier</th><th>health</th><th>wave</th><th>replica</th></tr></thead><tbody>");
        foreach (var node in view.Nodes)
        {
            html.Append("<tr data-node=\"").Append(Html.Encode(node.NodeId))
                .Append("\" data-connected=\"").Append(node.IsConnected ? "true" : "false")
                .Append("\" data-hash=\"").Append(Html.Encode(node.ConfigHash ?? string.Empty))
                .Append("\" data-sync=\"").Append(node.SyncStatus).Append("\">")
                .Append("<td>").Append(Html.Encode(node.NodeId)).Append("</td>")
                .Append("<td>").Append(Html.Encode(node.Hostname ?? string.Empty)).Append("</td>")
                .Append("<td>").Append(Html.Encode(node.Version ?? string.Empty)).Append("</td>")
                .Append("<td>").Append(Html.Encode(string.Join(", ", node.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")))).Append("</td>")
                .Append("<td class=\"state ").Append(node.IsConnected ? "Connected" : "Disconnected").Append("\">")
                .Append(node.IsConnected ? "connected since " + Time(node.ConnectedAt) : "last seen " + Time(node.LastSeen)).Append("</td>")
                .Append("<td><code>").Append(Short(node.ConfigHash)).Append("</code></td>")
                .Append("<td class=\"state ").Append(node.SyncStatus).Append("\">").Append(node.SyncStatus);
            if (node.LastApplyError is { } error)
            {
                html.Append("<div class=\"reason\">").Append(Html.Encode(error)).Append("</div>");
            }

            html.Append("</td><td>").Append(Html.Encode(node.ServingTier ?? string.Empty)).Append("</td>");
            FleetPageHealth.AppendCell(html, node);
            html.Append("<td>").Append(Html.Encode(waves.TryGetValue(node.NodeId, out var wave) ? wave : string.Empty)).Append("</td>")
                .Append("<td>").Append(Html.Encode(node.ReplicaId ?? string.Empty)).Append("</td></tr>");
        }

        html.Append("</tbody></table>");
    }

    private static string Short(string? hash) => hash is { Length: > 12 } ? Html.Encode(hash[..12]) : Html.Encode(hash ?? "-");

    private static string Time(DateTimeOffset at) =>
        $"<time datetime=\"{at.ToString("O", CultureInfo.InvariantCulture)}\">{at.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}</time>";

    private const string Style = """
        body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}header{display:flex;gap:1em;align-items:baseline}
        h1{margin:0}#refresh{color:#777}code{font:12px ui-monospace,monospace}table{border-collapse:collapse;margin:.5em 0}
        th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f4f4}
        .summary{display:flex;gap:2em;margin:.5em 0 1em}.rollout{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;margin-bottom:1em}
        .waves{display:flex;flex-wrap:wrap;gap:1em}.wave{border:1px solid #ddd;border-radius:4px;padding:.3em .8em;min-width:22em}
        .wave h3{font-size:14px;margin:.3em 0}.selector{color:#666;font-weight:normal}.reason{color:#8a4b00}.warning{color:#b00020;font-weight:bold}
        .state{font-weight:600}.Passed,.Applied,.InSync,.Completed,.Connected,.Ready{color:#17803d}.Failed,.Rejected,.Reverted,.TimedOut,.RolledBack,.Aborted,.Disconnected,.NotReady{color:#b00020}
        .Baking,.Applying,.Pending,.Running,.RollingBack,.Paused,.OutOfSync,.Undecided{color:#a66300}ul.wave-nodes{padding-left:1.2em;margin:.3em 0}
        button{margin-right:.4em}
        """;

    private const string Script = """
        (function () {
          var main = document.getElementById('fleet');
          var every = parseInt(main.dataset.every, 10);
          var stamp = document.getElementById('refresh');
          function refresh() {
            fetch(main.dataset.fragment, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
              .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
              .then(function (html) { main.innerHTML = html; stamp.textContent = 'updated ' + new Date().toLocaleTimeString(); })
              .catch(function (e) { stamp.textContent = 'refresh failed: ' + e.message; })
              .then(function () { setTimeout(refresh, every); });
          }
          main.addEventListener('click', function (e) {
            var button = e.target.closest('button[data-action]');
            if (!button || !window.confirm(button.textContent + '?')) { return; }
            var headers = {}; headers['{{header}}'] = '1';
            fetch(main.dataset.actions + '/' + button.dataset.action, { method: 'POST', credentials: 'same-origin', headers: headers })
              .then(function (r) { stamp.textContent = button.textContent + ': HTTP ' + r.status; });
          });
          setTimeout(refresh, every);
        })();
        """;
}
