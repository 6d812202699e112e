using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Resilience;

/// <summary>
/// The import and export switches read <c>on</c>/<c>off</c> (the reference's spelling:
/// <c>KONG_CLUSTER_FALLBACK_CONFIG_IMPORT: "on"</c>) as well as <c>true</c>/<c>false</c>, in any case: the
/// <c>FallbackStore</c> section is bound through a view that hands the binder <c>true</c>/<c>false</c> for them.
/// Any other value still fails start-up with the binder's error, which names the key and the value.
/// </summary>
internal static class FallbackStoreOptionsSwitches
{
    /// <summary>A view of <paramref name="section"/> (the <c>FallbackStore</c> section) for binding <see cref="FallbackStoreOptions"/>.</summary>
    public static IConfiguration View(IConfiguration section) => new SwitchView(section);

    /// <summary>Reads a switch: <c>on</c>/<c>true</c> is on, <c>off</c>/<c>false</c> is off, anything else <see langword="null"/>.</summary>
    public static bool? Parse(string? value) => bool.TryParse(AsBoolean(value), out var on) ? on : null;

    private static string? AsBoolean(string? value) => value?.Trim() switch
    {
        { } on when on.Equals("on", StringComparison.OrdinalIgnoreCase) => "true",
        { } off when off.Equals("off", StringComparison.OrdinalIgnoreCase) => "false",
        _ => value,
    };

    private static bool IsSwitch(string key) =>
        key.Equals(nameof(FallbackStoreOptions.Import), StringComparison.OrdinalIgnoreCase)
        || key.Equals(nameof(FallbackStoreOptions.Export), StringComparison.OrdinalIgnoreCase);

    private sealed class SwitchView(IConfiguration inner) : IConfiguration
    {
        public string? this[string key]
        {
            get => IsSwitch(key) ? AsBoolean(inner[key]) : inner[key];
            set => inner[key] = value;
        }

        public IConfigurationSection GetSection(string key) => IsSwitch(key) ? new SwitchSection(inner.GetSection(key)) : inner.GetSection(key);

        public IEnumerable<IConfigurationSection> GetChildren() => inner.GetChildren().Select(c => IsSwitch(c.Key) ? new SwitchSection(c) : c);

        public IChangeToken GetReloadToken() => inner.GetReloadToken();
    }

    private sealed class SwitchSection(IConfigurationSection inner) : IConfigurationSection
    {
        public string Key => inner.Key;

        public string Path => inner.Path;

        public string? Value
        {
            get => AsBoolean(inner.Value);
            set => inner.Value = value;
        }

        public string? this[string key]
        {
            get => inner[key];
            set => inner[key] = value;
        }

        public IConfigurationSection GetSection(string key) => inner.GetSection(key);

        public IEnumerable<IConfigurationSection> GetChildren() => inner.GetChildren();

        public IChangeToken GetReloadToken() => inner.GetReloadToken();
    }
}
