using System.Diagnostics;

namespace Resilience.Tests;

/// <summary>
/// A seeded mutation fuzzer: each case is derived from the seed and its index only, so a failure names the
/// (seed, iteration) that reproduces it. CI runs a bounded number of iterations; FUZZ_ITERATIONS and FUZZ_SEED
/// run longer or other campaigns (FUZZ_SECONDS caps the time of one loop).
/// </summary>
public sealed class Mutator
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, (byte)'\n', (byte)'"', (byte)'{', (byte)'[', (byte)':', (byte)'&', (byte)'*', (byte)'!', (byte)'\\', 0x1f, 0x8b];
    private readonly byte[][] _corpus;

    public Mutator(params byte[][] corpus) => _corpus = corpus;

    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : 20261201;

    public static int Iterations(int ciDefault) => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out var n) ? n : ciDefault;

    public static TimeSpan TimeCap => double.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(20);

    /// <summary>Runs <paramref name="check"/> on mutated inputs; returns the iterations run and every failure (seed, iteration, exception).</summary>
    public static async Task<(int Iterations, List<string> Failures)> RunAsync(Mutator mutator, int ciIterations, Func<byte[], Random, Task> check)
    {
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var iterations = Iterations(ciIterations);
        var i = 0;
        for (; i < iterations && clock.Elapsed < TimeCap; i++)
        {
            // Not HashCode.Combine: it is randomized per process, and a finding must reproduce.
            var random = new Random(unchecked((Seed * 1_000_003) + i));
            var input = mutator.Mutate(random);
            try
            {
                await check(input, random);
            }
            catch (Exception ex)
            {
                failures.Add($"seed {Seed}, iteration {i}: {ex.GetType().Name}: {ex.Message} [{Convert.ToBase64String(input.Length <= 512 ? input : input[..512])}]");
            }
        }

        return (i, failures);
    }

    public byte[] Mutate(Random random)
    {
        var data = new List<byte>(_corpus[random.Next(_corpus.Length)]);
        var count = 1 + random.Next(8);
        for (var m = 0; m < count; m++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(9))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2 when data.Count > 0:
                    data[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 3:
                    var insert = new byte[1 + random.Next(16)];
                    random.NextBytes(insert);
                    data.InsertRange(at, insert);
                    break;
                case 4 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(32)));
                    break;
                case 5 when data.Count > 0:
                    var length = Math.Min(data.Count - at, 1 + random.Next(64));
                    data.InsertRange(random.Next(data.Count), data.GetRange(at, length));
                    break;
                case 6 when data.Count > 0:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 7:
                    var other = _corpus[random.Next(_corpus.Length)];
                    if (other.Length > 0)
                    {
                        var from = random.Next(other.Length);
                        data.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(64))).ToArray());
                    }

                    break;
                default:
                    data.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
            }
        }

        return [.. data];
    }
}
