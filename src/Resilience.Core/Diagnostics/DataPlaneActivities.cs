using System.Diagnostics;

namespace Resilience;

/// <summary>
/// The data plane's spans. The source is static, as the framework's own sources are (HttpClient's, for one):
/// it holds no state of ours, costs nothing while no listener samples it, and a source per DI container
/// would publish the same name twice in a process that hosts two.
/// </summary>
internal static class DataPlaneActivities
{
    public const string Apply = "resilience.apply";
    public const string Import = "resilience.import";
    public const string Export = "resilience.export";

    public const string OriginTag = "resilience.config.origin";
    public const string HashTag = "resilience.config.hash";
    public const string OutcomeTag = "resilience.config.outcome";
    public const string ReasonTag = "resilience.config.rejection_reason";
    public const string StoreTag = "resilience.fallback_store.description";
    public const string KeyTag = "resilience.fallback_store.key";
    public const string ImportResultTag = "resilience.import.result";
    public const string ExportResultTag = "resilience.export.result";
    public const string RollbackKindTag = "resilience.rollback.kind";
    public const string RollbackFromTag = "resilience.rollback.from";
    public const string RollbackActorTag = "resilience.rollback.actor";

    public static readonly ActivitySource Source = new(DataPlaneTelemetry.ActivitySourceName);

    /// <summary>Starts an apply span for a document of the given tier (null while nobody listens).</summary>
    public static Activity? StartApply(ConfigOrigin origin)
    {
        var activity = Source.StartActivity(Apply);
        activity?.SetTag(OriginTag, origin.ToString());
        return activity;
    }

    /// <summary>Starts an import or export span on one object of the fallback store.</summary>
    public static Activity? StartStoreOperation(string name, string store, string key)
    {
        var activity = Source.StartActivity(name);
        activity?.SetTag(StoreTag, store);
        activity?.SetTag(KeyTag, key);
        return activity;
    }

    /// <summary>Marks an apply span as a rollback (or a revert): gone back from which configuration, asked by whom.</summary>
    public static void Rollback(this Activity? activity, string kind, string from, string? actor)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(RollbackKindTag, kind);
        activity.SetTag(RollbackFromTag, from);
        activity.SetTag(RollbackActorTag, actor);
    }

    /// <summary>Records what an apply came to on its span.</summary>
    public static void Completed(this Activity? activity, ApplyResult result)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(HashTag, result.Hash);
        activity.SetTag(OutcomeTag, result.Outcome.ToString());
        if (result.Outcome == ApplyOutcome.Rejected)
        {
            activity.SetTag(ReasonTag, result.Reason.ToString());
            activity.SetStatus(ActivityStatusCode.Error, result.Reason.ToString());
        }
    }

    /// <summary>Ends a span as failed, the way OpenTelemetry's semantic conventions record an error.</summary>
    public static void Failed(this Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
