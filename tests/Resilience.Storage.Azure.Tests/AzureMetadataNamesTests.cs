using System.Text;

namespace Resilience.Storage.Azure.Tests;

/// <summary>Metadata names read from a store are untrusted: decoding any bytes must never throw, and what the store writes must read back exactly.</summary>
public sealed class AzureMetadataNamesTests
{
    [Theory]
    [InlineData("exporter-node-id", "exporter_002dnode_002did")]
    [InlineData("config-hash", "config_002dhash")]
    [InlineData("under_score", "under_005fscore")]
    [InlineData("9lives", "_0039lives")]
    [InlineData("plain", "plain")]
    public void Names_are_escaped_to_identifiers_and_back(string name, string stored)
    {
        Assert.Equal(stored, AzureMetadataNames.Encode(name));
        Assert.Equal(name, AzureMetadataNames.Decode(stored));
    }

    [Theory]
    [InlineData("odd_name")]
    [InlineData("trailing_")]
    [InlineData("_zzzz")]
    [InlineData("_12")]
    public void A_name_the_store_did_not_write_is_kept_as_it_is(string name) => Assert.Equal(name, AzureMetadataNames.Decode(name));

    [Fact]
    public void Fuzz_seeded_mutations_decode_without_throwing_and_every_encoding_round_trips()
    {
        var random = new Random(24);
        var seeds = new[] { "exporter_002dnode_002did", "config_002dhash", "_0039x", "plain", "_", "__", "_ffff_d800" };
        const string alphabet = "_0123456789abcdefABCDEFxyz-.\u00e9\ud800";
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = new StringBuilder(seeds[random.Next(seeds.Length)]);
            for (var m = random.Next(1, 5); m > 0; m--)
            {
                var at = random.Next(mutated.Length + 1);
                switch (random.Next(3))
                {
                    case 0:
                        mutated.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    case 1 when mutated.Length > 0:
                        mutated.Remove(Math.Min(at, mutated.Length - 1), 1);
                        break;
                    default:
                        if (mutated.Length > 0)
                        {
                            mutated[Math.Min(at, mutated.Length - 1)] = alphabet[random.Next(alphabet.Length)];
                        }

                        break;
                }
            }

            var text = mutated.ToString();
            _ = AzureMetadataNames.Decode(text);
            if (text.Length > 0)
            {
                var encoded = AzureMetadataNames.Encode(text);
                Assert.True(encoded.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(encoded[0]), encoded);
                Assert.Equal(text, AzureMetadataNames.Decode(encoded));
            }
        }
    }
}
