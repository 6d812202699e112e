using System.Text;
using System.Text.Json;

namespace Resilience.Tests.Declarative;

/// <summary>YAML to JSON: the core schema, clear positions in errors, and limits against hostile documents.</summary>
public sealed class YamlConversionTests
{
    [Fact]
    public void Scalars_follow_the_yaml_core_schema()
    {
        var json = Convert("""
            s: hello
            quoted: "123"
            i: 42
            big: 123456789012345678901234567890
            f: 1.5
            hex: 0x1F
            oct: 0o17
            t: true
            n: ~
            empty:
            inf: .inf
            list: [a, 1, false]
            nested: {k: v}
            """);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("hello", root.GetProperty("s").GetString());
        Assert.Equal("123", root.GetProperty("quoted").GetString());
        Assert.Equal(42, root.GetProperty("i").GetInt32());
        Assert.Equal("123456789012345678901234567890", root.GetProperty("big").GetRawText());
        Assert.Equal(1.5, root.GetProperty("f").GetDouble());
        Assert.Equal(31, root.GetProperty("hex").GetInt32());
        Assert.Equal(15, root.GetProperty("oct").GetInt32());
        Assert.True(root.GetProperty("t").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("n").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("empty").ValueKind);
        Assert.Equal(".inf", root.GetProperty("inf").GetString());
        Assert.Equal("[\"a\",1,false]", root.GetProperty("list").GetRawText());
        Assert.Equal("v", root.GetProperty("nested").GetProperty("k").GetString());
    }

    [Fact]
    public void Json_is_accepted_as_yaml()
    {
        using var doc = JsonDocument.Parse(Convert("{\"a\": [1, 2], \"b\": \"c\"}"));

        Assert.Equal("c", doc.RootElement.GetProperty("b").GetString());
    }

    [Fact]
    public void Aliases_expand()
    {
        using var doc = JsonDocument.Parse(Convert("base: &b {x: 1}\ncopy: *b\n"));

        Assert.Equal(1, doc.RootElement.GetProperty("copy").GetProperty("x").GetInt32());
    }

    [Fact]
    public void Syntax_error_names_line_and_column()
    {
        var error = Assert.Throws<ConfigFormatException>(() => Convert("a: 1\nb: [1, 2\nc: 3\n"));

        Assert.NotNull(error.Line);
        Assert.NotNull(error.Column);
        Assert.Contains($"line {error.Line}, column {error.Column}", error.Message);
    }

    [Fact]
    public void Duplicate_key_is_an_error_with_its_position()
    {
        var error = Assert.Throws<ConfigFormatException>(() => Convert("a: 1\nb: 2\na: 3\n"));

        Assert.Equal(3, error.Line);
        Assert.Contains("uplicate key", error.Message);
    }

    [Fact]
    public void Alias_bomb_stops_at_the_node_limit()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        var error = Assert.Throws<ConfigFormatException>(() => Convert(yaml.ToString(), maxNodes: 100_000));

        Assert.Contains("more than 100000 nodes", error.Message);
    }

    [Fact]
    public void Deep_nesting_stops_at_the_depth_limit()
    {
        var yaml = "a: " + new string('[', 100) + new string(']', 100);

        var error = Assert.Throws<ConfigFormatException>(() => Convert(yaml, maxDepth: 64));

        Assert.Contains("deeper than 64", error.Message);
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just text")]
    [InlineData("a: 1\n---\nb: 2\n")]
    public void Document_must_be_one_mapping(string yaml)
    {
        Assert.Throws<ConfigFormatException>(() => Convert(yaml));
    }

    [Theory]
    [InlineData("bin: !!bin]ry aGV\n")] // fuzz finding: YamlDotNet threw ArgumentException ("Global tags must be valid URIs")
    [InlineData("a: \"\\ud800\"\n")] // a lone surrogate cannot become JSON text
    [InlineData("a: !<%zz> x\n")]
    public void Input_the_parser_refuses_in_its_own_way_is_a_format_error_with_a_position(string yaml)
    {
        var error = Assert.Throws<ConfigFormatException>(() => Convert(yaml));

        Assert.NotNull(error.Line);
    }

    [Theory]
    [InlineData("a: *missing\n", "names no anchor")]
    [InlineData("a: &x [*x]\n", "names no anchor")]
    public void Alias_to_an_anchor_not_defined_before_it_is_an_error(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigFormatException>(() => Convert(yaml));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Alias_can_name_a_key_and_later_anchors_replace_earlier_ones()
    {
        using var doc = JsonDocument.Parse(Convert("k: &a first\n*a : aliased\nb: &a second\nc: *a\n"));

        Assert.Equal("aliased", doc.RootElement.GetProperty("first").GetString());
        Assert.Equal("second", doc.RootElement.GetProperty("c").GetString());
    }

    [Fact]
    public void Converted_output_over_the_limit_is_refused()
    {
        var error = Assert.Throws<ConfigFormatException>(() =>
            YamlToJson.Convert(Encoding.UTF8.GetBytes("a: &a [" + string.Join(", ", Enumerable.Repeat("xxxxxxxxxx", 50)) + "]\nb: [*a, *a, *a]\n"), maxJsonBytes: 1000));

        Assert.Contains("exceeds 1000 bytes", error.Message);
        Assert.Equal(RejectionReason.InvalidYaml, error.Reason);
    }

    [Fact]
    public void Yaml_over_the_file_limit_is_refused_as_too_large_before_it_is_parsed()
    {
        var yaml = Encoding.UTF8.GetBytes("a: [" + new string('1', 2000) + "\n"); // malformed too: the size is checked first

        var error = Assert.Throws<ConfigFormatException>(() => YamlToJson.Convert(yaml, new DeclarativeConfigOptions { MaxFileBytes = 1000 }));

        Assert.Equal(RejectionReason.TooLarge, error.Reason);
        Assert.Null(error.Line);
    }

    [Fact]
    public void The_public_converter_gives_the_json_and_hash_the_apply_pipeline_gives()
    {
        var yaml = Encoding.UTF8.GetBytes("routes:\n  - a\n  - {path: /b, weight: 1.50, on: true}\nname: 'x'\n");
        var options = new DataPlaneResilienceOptions { NodeId = "n", DataDirectory = Path.GetTempPath() };
        var preparer = new ConfigPreparer(options.MaxConfigBytes, options.MaxDecompressedBytes, new DeclarativeConfigOptions());

        var (payload, hash) = preparer.Prepare(new ConfigDocument(yaml, ConfigFormat.Yaml, ConfigOrigin.Manual));
        var json = YamlToJson.Convert(yaml);

        Assert.Equal(payload.ToArray(), json);
        Assert.Equal(hash, ConfigHash.Compute(json));
    }

    private static byte[] Convert(string yaml, int maxNodes = 1_000_000, int maxDepth = 64) =>
        YamlToJson.Convert(Encoding.UTF8.GetBytes(yaml), new DeclarativeConfigOptions { MaxNodes = maxNodes, MaxDepth = maxDepth }, 1 << 24);
}
