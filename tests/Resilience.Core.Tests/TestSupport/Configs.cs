using System.Text;

namespace Resilience.Tests;

/// <summary>Small configuration documents for tests.</summary>
public static class Configs
{
    public static byte[] Json(string name) => Encoding.UTF8.GetBytes($$"""{"name":"{{name}}","routes":[{"path":"/{{name}}"}]}""");

    public static string Yaml(string name) => $"name: {name}\nroutes:\n  - path: /{name}\n";

    public static string NameOf(ConfigSnapshot? snapshot)
    {
        Assert.NotNull(snapshot);
        using var doc = System.Text.Json.JsonDocument.Parse(snapshot.Payload);
        return doc.RootElement.GetProperty("name").GetString()!;
    }
}
