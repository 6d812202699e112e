using System.Globalization;

namespace Resilience.ControlPlane;

/// <summary>The checks a <see cref="RolloutPlan"/> must pass before a publish can use it; every problem is listed.</summary>
internal static class RolloutPlanRules
{
    public static IReadOnlyList<string> Validate(RolloutPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var errors = new List<string>();
        if (plan.Waves.Count == 0)
        {
            errors.Add("a rollout plan needs at least one wave");
        }
        else if (plan.Waves.Count > RolloutDefaults.MaxWaves)
        {
            errors.Add($"a rollout plan has at most {RolloutDefaults.MaxWaves} waves, not {plan.Waves.Count}");
        }

        for (var i = 0; i < plan.Waves.Count; i++)
        {
            var wave = plan.Waves[i];
            var name = $"wave {i + 1}";
            if (wave is null)
            {
                errors.Add($"{name} is missing");
                continue;
            }

            var selectors = (wave.Labels.Count > 0 ? 1 : 0) + (wave.Share is not null ? 1 : 0) + (wave.Count is not null ? 1 : 0) + (wave.EveryoneElse ? 1 : 0);
            if (selectors != 1)
            {
                errors.Add($"{name} must select nodes in exactly one way (labels, share, count or everyone else), not {selectors}");
            }

            if (wave.Share is { } share && (double.IsNaN(share) || share <= 0 || share > 1))
            {
                errors.Add($"{name}: the share must be above 0 and at most 1, not {share.ToString(CultureInfo.InvariantCulture)}");
            }

            if (wave.Count is { } count && count < 1)
            {
                errors.Add($"{name}: the count must be at least 1, not {count}");
            }

            if (wave.Labels.Count > RolloutDefaults.MaxLabelsPerWave)
            {
                errors.Add($"{name}: at most {RolloutDefaults.MaxLabelsPerWave} labels");
            }

            if (wave.Labels.Any(l => string.IsNullOrEmpty(l.Key)))
            {
                errors.Add($"{name}: a label needs a name");
            }

            if (wave.EveryoneElse && i < plan.Waves.Count - 1)
            {
                errors.Add($"{name} selects everyone else, so the waves after it would select nobody");
            }

            CheckTime(errors, name, "bake time", wave.BakeTime, allowZero: true);
            if (wave.NodeBake is { } nodeBake)
            {
                errors.AddRange(nodeBake.Validate().Select(e => $"{name}: {e}"));
            }

            if (wave.Gates is not { } gates)
            {
                errors.Add($"{name}: gates are missing");
                continue;
            }

            CheckTime(errors, name, "apply timeout", gates.ApplyTimeout, allowZero: false);
            if (gates.MaxFailedRequestShareIncrease is { } increase && (double.IsNaN(increase) || increase < 0 || increase > 1))
            {
                errors.Add($"{name}: the failed-request share increase must be between 0 and 1, not {increase.ToString(CultureInfo.InvariantCulture)}");
            }

            if (gates.MinRequests < 1)
            {
                errors.Add($"{name}: the minimum number of requests must be at least 1, not {gates.MinRequests}");
            }

            if (gates.MinNodes is < 0)
            {
                errors.Add($"{name}: the minimum number of nodes cannot be negative");
            }
        }

        return errors;
    }

    private static void CheckTime(List<string> errors, string wave, string what, TimeSpan value, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value > RolloutDefaults.MaxTime)
        {
            errors.Add($"{wave}: the {what} must be {(allowZero ? "at least 0" : "above 0")} and at most {RolloutDefaults.MaxTime.TotalDays} days, not {value}");
        }
    }
}
