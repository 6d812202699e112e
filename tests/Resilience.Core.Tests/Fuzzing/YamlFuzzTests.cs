using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Resilience.Tests.Fuzzing;

/// <summary>
/// Mutated YAML: the converter (through its public face, <see cref="YamlToJson"/>, which a control plane publishes with)
/// returns valid JSON or a <see cref="ConfigFormatException"/> with a reason; an apply returns a result.
/// </summary>
public sealed class YamlFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Corpus =
    [
        Configs.Yaml("a"),
        "s: hello\nquoted: \"1\\u00e9\\t\"\ni: 42\nbig: 123456789012345678901234567890\nf: 1.5e3\nhex: 0x1F\noct: 0o17\nt: true\nn: ~\nempty:\ninf: .inf\nlist: [a, 1, false]\nnested: {k: v}\n",
        "base: &b {x: 1, y: [1, 2]}\ncopy: *b\nmore: [*b, *b]\n",
        "a0: &a0 [x, x, x]\na1: &a1 [*a0, *a0, *a0]\na2: [*a1, *a1]\n",
        "text: |\n  line one\n  line two\nfolded: >\n  folded\n  text\n",
        "? complex\n: value\n'single': 'it''s'\ntagged: !!str 123\nbin: !!binary aGVsbG8=\n",
        "# comment\n---\nroutes:\n  - path: /a # trailing\n    methods: [GET, POST]\n  - path: /b\n...\n",
        "{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}",
        "k: &anchor value\n*anchor : aliased-key\n",
        "deep: [[[[[[[[[[1]]]]]]]]]]\n",
    ];

    [Fact]
    public async Task Mutated_yaml_converts_to_valid_json_or_a_format_error()
    {
        var mutator = new Mutator([.. Corpus.Select(Encoding.UTF8.GetBytes)]);
        using var plane = FuzzHarness.Plane();

        var (iterations, failures) = await Mutator.RunAsync(mutator, 4000, async (input, _) =>
        {
            try
            {
                var json = YamlToJson.Convert(input, new DeclarativeConfigOptions { MaxNodes = 10_000, MaxDepth = 64 }, maxJsonBytes: 1 << 20);
                using var parsed = JsonDocument.Parse(json);
            }
            catch (ConfigFormatException ex) when (ex.Reason is RejectionReason.InvalidYaml or RejectionReason.TooLarge)
            {
            }

            await FuzzHarness.ApplyAsync(plane, new ConfigDocument(input, ConfigFormat.Yaml, ConfigOrigin.Manual));
        });

        FuzzHarness.Report(output, "YAML converter", iterations, failures);
    }
}
