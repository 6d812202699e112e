using System.Text;
using System.Text.Json;
using Resilience.Tests;
using Xunit.Abstractions;

namespace Resilience.ClusterLink.WebSockets.Tests;

/// <summary>
/// The configuration patch of delta sync (docs/protocol.md): a patch the control plane builds gives the published
/// bytes exactly, whatever their formatting; a hostile or broken patch is refused with a typed reason and bounded work.
/// </summary>
public sealed class ConfigPatchTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string> Edits => new()
    {
        { "pretty, one value", "{\n  \"Routes\": {\n    \"a\": { \"Path\": \"/a\" },\n    \"b\": { \"Path\": \"/b\" }\n  }\n}", "{\n  \"Routes\": {\n    \"a\": { \"Path\": \"/a2\" },\n    \"b\": { \"Path\": \"/b\" }\n  }\n}" },
        { "minified, appended member", """{"Routes":{"a":{"Path":"/a"},"b":{"Path":"/b"}}}""", """{"Routes":{"a":{"Path":"/a"},"b":{"Path":"/b"},"c":{"Path":"/c"}}}""" },
        { "sorted keys, member added in the middle", "{\n  \"a\": 1,\n  \"c\": 3\n}", "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}" },
        { "member added first", "{\n  \"b\": 2,\n  \"c\": 3\n}", "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}" },
        { "first member removed", "{ \"a\": 1, \"b\": 2, \"c\": 3 }", "{ \"b\": 2, \"c\": 3 }" },
        { "middle member removed", "{ \"a\": 1, \"b\": 2, \"c\": 3 }", "{ \"a\": 1, \"c\": 3 }" },
        { "last member removed", "{ \"a\": 1, \"b\": 2, \"c\": 3 }", "{ \"a\": 1, \"b\": 2 }" },
        { "comments and trailing commas kept", "{\n  // the routes\n  \"Routes\": {\n    \"a\": { \"Path\": \"/a\" }, // first\n    \"b\": { \"Path\": \"/b\" },\n  },\n}", "{\n  // the routes\n  \"Routes\": {\n    \"a\": { \"Path\": \"/x\" }, // first\n    \"b\": { \"Path\": \"/b\" },\n  },\n}" },
        { "escapes and number spellings kept", """{"k\u00e9y":1.0E2,"s":"a\/b","n":-0}""", """{"k\u00e9y":1.0E2,"s":"a\/b","n":-0,"t":"\u00e9"}""" },
        { "array element inserted in the middle", "[1, 2, 3, 4]", "[1, 2, 9, 3, 4]" },
        { "array elements removed", "[1, 2, 3, 4, 5]", "[1, 5]" },
        { "array element changed inside", """{"r":[{"p":"/a"},{"p":"/b"}]}""", """{"r":[{"p":"/a"},{"p":"/c"}]}""" },
        { "type changed", """{"a":{"b":1}}""", """{"a":[1]}""" },
        { "empty object filled", """{"a":{}}""", """{"a":{"b":1}}""" },
        { "members reordered", """{"a":1,"b":2}""", """{"b":2,"a":1}""" },
        { "whitespace only", "{\"a\":1}", "{ \"a\": 1 }" },
        { "irregular separators", "{\"a\":1,\n\"b\":2,  \"c\":3}", "{\"a\":1,\n\"b\":2,  \"c\":3,\"d\":4}" },
        { "non-ASCII names", "{\"ключ\":1}", "{\"ключ\":1,\"名前\":\"値\"}" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void A_patch_gives_the_published_bytes_exactly(string what, string from, string to)
    {
        var (a, b) = (Encoding.UTF8.GetBytes(from), Encoding.UTF8.GetBytes(to));
        var patch = ConfigPatchBuilder.Create(a, b, long.MaxValue);

        Assert.True(patch is not null, what);
        Assert.Equal(to, Encoding.UTF8.GetString(ConfigPatchApplier.Apply(a, patch, b.Length)));

        // RFC 6902: an array of operation objects with op and path.
        using var parsed = JsonDocument.Parse(patch);
        Assert.All(parsed.RootElement.EnumerateArray(), op => Assert.Contains(op.GetProperty("op").GetString(), new[] { "add", "remove", "replace" }));
    }

    [Fact]
    public void A_one_route_edit_of_20000_routes_is_a_few_hundred_bytes()
    {
        var (from, to) = (RouteDocument(20_000, edited: -1, indented: true), RouteDocument(20_000, edited: 12_345, indented: true));
        var patch = ConfigPatchBuilder.Create(from, to, to.Length / 2);

        Assert.NotNull(patch);
        Assert.InRange(patch.Length, 1, 400);
        Assert.Equal(to, ConfigPatchApplier.Apply(from, patch, to.Length));
        Assert.Contains("/Routes/route-12345", Encoding.UTF8.GetString(patch), StringComparison.Ordinal);
    }

    [Fact]
    public void A_patch_of_replacements_is_spliced_at_its_places_and_places_that_lie_cannot_pass_the_hash()
    {
        var from = RouteDocument(300, edited: -1, indented: true);
        var to = RouteDocument(300, edited: 299, indented: true);
        var patch = Encoding.UTF8.GetString(ConfigPatchBuilder.Create(from, to, long.MaxValue)!);
        Assert.Contains("\"at\":[", patch, StringComparison.Ordinal);

        // A place one byte off: spliced as told (the pointer is not read), so the result is not the target.
        var at = System.Text.RegularExpressions.Regex.Match(patch, "\"at\":\\[(\\d+),").Groups[1].Value;
        var lying = patch.Replace($"\"at\":[{at},", $"\"at\":[{int.Parse(at, System.Globalization.CultureInfo.InvariantCulture) + 1},", StringComparison.Ordinal);
        var result = ConfigPatchApplier.Apply(from, Encoding.UTF8.GetBytes(lying), to.Length);
        Assert.NotEqual(ConfigHash.Compute(to), ConfigHash.Compute(result));

        // Places outside the document or out of order are not used: the pointers are.
        var outside = patch.Replace($"\"at\":[{at},", "\"at\":[2000000000,", StringComparison.Ordinal);
        Assert.Equal(to, ConfigPatchApplier.Apply(from, Encoding.UTF8.GetBytes(outside), to.Length));
    }

    [Fact]
    public void Random_edits_of_random_documents_round_trip()
    {
        var random = new Random(Mutator.Seed);
        var exact = 0;
        for (var i = 0; i < 300; i++)
        {
            var indented = random.Next(2) == 0;
            var document = RandomValue(random, 0, objectRoot: true);
            var edited = Edit(random, document!.DeepClone(), 1 + random.Next(4));
            var options = new JsonSerializerOptions { WriteIndented = indented };
            var (a, b) = (JsonSerializer.SerializeToUtf8Bytes(document, options), JsonSerializer.SerializeToUtf8Bytes(edited, options));
            var patch = ConfigPatchBuilder.Create(a, b, long.MaxValue);
            if (patch is null)
            {
                continue;
            }

            exact++;
            Assert.Equal(Encoding.UTF8.GetString(b), Encoding.UTF8.GetString(ConfigPatchApplier.Apply(a, patch, b.Length)));
        }

        output.WriteLine($"{exact} of 300 edits had a byte-exact patch");

        // Uniformly formatted documents almost always have one (an emptied or filled container changes its brackets' spacing).
        Assert.InRange(exact, 240, 300);
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        { """{"op":"add"}""", "{}", nameof(ConfigPatchFailure.Malformed) },
        { """[{"op":"add","path":"/a"}]""", "{}", nameof(ConfigPatchFailure.Malformed) },
        { """[{"op":"frob","path":"/a"}]""", "{}", nameof(ConfigPatchFailure.Malformed) },
        { """[{"op":"move","from":"/a","path":"/b"}]""", """{"a":1}""", nameof(ConfigPatchFailure.Unsupported) },
        { """[{"op":"test","path":"/a","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.Unsupported) },
        { """[{"op":"replace","path":"/nope","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"replace","path":"/a/b","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"remove","path":"/a/5"}]""", """{"a":[1]}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"add","path":"/a/01","value":1}]""", """{"a":[1]}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"add","path":"/b","before":"zz","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"replace","path":"a","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.Malformed) },
        { """[{"op":"replace","path":"/a~2","value":1}]""", """{"a":1}""", nameof(ConfigPatchFailure.Malformed) },
        { """[{"op":"remove","path":""}]""", """{"a":1}""", nameof(ConfigPatchFailure.PathNotFound) },
        { """[{"op":"replace","path":"/a/x","value":1}]""", """{"a":{"x":1,"x":2}}""", nameof(ConfigPatchFailure.Ambiguous) },
        { """[{"op":"replace","path":"/a","value":12}]""", """{"a":1}""", nameof(ConfigPatchFailure.SizeMismatch) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_broken_patch_is_refused_with_a_typed_reason(string patch, string document, string failure)
    {
        var ex = Assert.Throws<ConfigPatchException>(() => ConfigPatchApplier.Apply(Encoding.UTF8.GetBytes(document), Encoding.UTF8.GetBytes(patch), document.Length));

        Assert.Equal(failure, ex.Failure.ToString());
    }

    [Fact]
    public void A_patch_deeper_than_any_accepted_document_is_refused()
    {
        var deepPointer = "[{\"op\":\"replace\",\"path\":\"" + string.Concat(Enumerable.Repeat("/a", 300)) + "\",\"value\":1}]";
        var deepValue = "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":" + new string('[', 300) + new string(']', 300) + "}]";

        Assert.Equal(ConfigPatchFailure.PathNotFound, Assert.Throws<ConfigPatchException>(() => ConfigPatchApplier.Apply("""{"a":1}"""u8.ToArray(), Encoding.UTF8.GetBytes(deepPointer), 7)).Failure);
        Assert.Equal(ConfigPatchFailure.Malformed, Assert.Throws<ConfigPatchException>(() => ConfigPatchApplier.Apply("""{"a":1}"""u8.ToArray(), Encoding.UTF8.GetBytes(deepValue), 7)).Failure);
    }

    [Fact]
    public void A_patch_that_makes_the_applier_read_the_document_over_and_over_is_refused_within_its_budget()
    {
        // Each operation reaches into a different route, and each route is small: opening them costs their size once.
        // What costs is removing the first of 20,000 members again and again (every removal moves the rest).
        var document = RouteDocument(20_000, edited: -1, indented: false);
        var patch = new StringBuilder("[");
        for (var i = 0; i < 20_000; i++)
        {
            patch.Append(i == 0 ? string.Empty : ",").Append("{\"op\":\"add\",\"path\":\"/Routes/n").Append(i).Append("\",\"before\":\"route-0\",\"value\":1}");
        }

        var ex = Assert.Throws<ConfigPatchException>(() => ConfigPatchApplier.Apply(document, Encoding.UTF8.GetBytes(patch.Append(']').ToString()), document.Length));

        Assert.Equal(ConfigPatchFailure.TooExpensive, ex.Failure);
    }

    [Fact]
    public async Task Mutated_patches_are_applied_or_refused_with_a_typed_reason()
    {
        var from = RouteDocument(50, edited: -1, indented: true);
        var to = RouteDocument(50, edited: 7, indented: true);
        var corpus = new[]
        {
            ConfigPatchBuilder.Create(from, to, long.MaxValue)!,
            ConfigPatchBuilder.Create("""{"a":[1,2,3],"b":{"c":1}}"""u8.ToArray(), """{"a":[1,9,3,4],"b":{"d":2}}"""u8.ToArray(), long.MaxValue)!,
        };
        var mutator = new Mutator(corpus);

        var (iterations, failures) = await Mutator.RunAsync(mutator, 4000, (input, random) =>
        {
            try
            {
                var result = ConfigPatchApplier.Apply(random.Next(2) == 0 ? from : """{"a":[1,2,3],"b":{"c":1}}"""u8.ToArray(), input, random.Next(2) == 0 ? to.Length : random.Next(0, 200));
                Assert.NotNull(result);
            }
            catch (ConfigPatchException)
            {
            }

            return Task.CompletedTask;
        });

        output.WriteLine($"patches: {iterations} mutations, {failures.Count} failures");
        Assert.Empty(failures);
    }

    /// <summary>A YARP-shaped document: routes keyed by id, one of them edited.</summary>
    internal static byte[] RouteDocument(int routes, int edited, bool indented)
    {
        var builder = new StringBuilder(routes * 200);
        var nl = indented ? "\n" : string.Empty;
        var ind = indented ? "    " : string.Empty;
        builder.Append('{').Append(nl).Append(ind).Append("\"Routes\": {").Append(nl);
        for (var i = 0; i < routes; i++)
        {
            var path = i == edited ? $"/edited/{i}/{{**rest}}" : $"/api/{i}/{{**rest}}";
            builder.Append(ind).Append(ind).Append("\"route-").Append(i).Append("\": { \"ClusterId\": \"cluster-").Append(i % 10).Append("\", \"Match\": { \"Path\": \"").Append(path).Append("\" } }");
            builder.Append(i + 1 < routes ? "," : string.Empty).Append(nl);
        }

        builder.Append(ind).Append("},").Append(nl).Append(ind).Append("\"Clusters\": {");
        for (var i = 0; i < 10; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",").Append(nl).Append(ind).Append(ind).Append("\"cluster-").Append(i).Append("\": { \"Destinations\": { \"d\": { \"Address\": \"http://127.0.0.1:5000/\" } } }");
        }

        return Encoding.UTF8.GetBytes(builder.Append(nl).Append(ind).Append('}').Append(nl).Append('}').ToString());
    }

    private static System.Text.Json.Nodes.JsonNode? RandomValue(Random random, int depth, bool objectRoot = false)
    {
        var kind = objectRoot ? 0 : depth > 3 ? 2 + random.Next(3) : random.Next(5);
        switch (kind)
        {
            case 0:
                var obj = new System.Text.Json.Nodes.JsonObject();
                for (var i = 0; i < random.Next(objectRoot ? 2 : 0, 6); i++)
                {
                    obj["k" + random.Next(20)] = RandomValue(random, depth + 1);
                }

                return obj;
            case 1:
                var array = new System.Text.Json.Nodes.JsonArray();
                for (var i = 0; i < random.Next(0, 6); i++)
                {
                    array.Add(RandomValue(random, depth + 1));
                }

                return array;
            case 2:
                return System.Text.Json.Nodes.JsonValue.Create(random.Next(-100, 100));
            case 3:
                return System.Text.Json.Nodes.JsonValue.Create("s" + random.Next(50));
            default:
                return random.Next(3) == 0 ? null : System.Text.Json.Nodes.JsonValue.Create(random.Next(2) == 0);
        }
    }

    private static System.Text.Json.Nodes.JsonNode? Edit(Random random, System.Text.Json.Nodes.JsonNode? root, int edits)
    {
        for (var e = 0; e < edits; e++)
        {
            // Walk to a random container, then change, add or remove one of its members.
            var node = root;
            while (random.Next(3) != 0)
            {
                var children = node switch
                {
                    System.Text.Json.Nodes.JsonObject o => o.Select(p => p.Value).Where(v => v is System.Text.Json.Nodes.JsonObject or System.Text.Json.Nodes.JsonArray).ToList(),
                    System.Text.Json.Nodes.JsonArray a => a.Where(v => v is System.Text.Json.Nodes.JsonObject or System.Text.Json.Nodes.JsonArray).ToList(),
                    _ => [],
                };
                if (children.Count == 0)
                {
                    break;
                }

                node = children[random.Next(children.Count)];
            }

            switch (node)
            {
                case System.Text.Json.Nodes.JsonObject o:
                    var key = "k" + random.Next(25);
                    if (o.ContainsKey(key) && random.Next(2) == 0)
                    {
                        o.Remove(key);
                    }
                    else
                    {
                        o[key] = RandomValue(random, 2);
                    }

                    break;
                case System.Text.Json.Nodes.JsonArray a:
                    var at = random.Next(a.Count + 1);
                    if (at < a.Count && random.Next(2) == 0)
                    {
                        a.RemoveAt(at);
                    }
                    else
                    {
                        a.Insert(at, RandomValue(random, 2));
                    }

                    break;
            }
        }

        return root;
    }
}
