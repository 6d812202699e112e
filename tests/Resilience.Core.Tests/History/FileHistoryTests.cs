using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using static Resilience.Tests.History.HistoryPlanes;

namespace Resilience.Tests.History;

/// <summary>The history of the <c>config.json.gz</c> cache: what is kept, rolled back to, refused, and what damage does.</summary>
public sealed class FileHistoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Served_configurations_are_kept_newest_first_up_to_the_depth_and_how_each_ended()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        using var plane = Plane(_dir, depth: 3, time: time);

        foreach (var name in new[] { "v1", "v2", "v3", "v4" })
        {
            Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Push(name), default)).Outcome);
            time.Advance(TimeSpan.FromMinutes(10));
        }

        var history = plane.History;
        Assert.Equal([Hash("v4"), Hash("v3"), Hash("v2")], history.Select(e => e.Hash));
        Assert.Equal(ConfigHistoryEnd.Serving, history[0].End);
        Assert.Null(history[0].ServedFor);
        Assert.All(history.Skip(1), e => Assert.Equal(ConfigHistoryEnd.Replaced, e.End));
        Assert.Equal(TimeSpan.FromMinutes(10), history[1].ServedFor);
        Assert.Equal("v3", history[1].Version);
        Assert.Equal(ConfigOrigin.ControlPlane, history[1].Origin);
        Assert.Equal(Configs.Json("v3").Length, history[1].Size);

        // One payload per kept hash, nothing else: v1's went with its entry.
        var files = Directory.GetFiles(_dir.Combine("data", "history")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(new[] { "index.json" }.Concat(new[] { "v2", "v3", "v4" }.Select(n => Hash(n) + ".json.gz")).Order(), files);
    }

    [Fact]
    public async Task The_served_entry_is_the_cache_file_itself_not_a_second_copy()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("v1"), default);

        var cache = _dir.Combine("data", FileConfigCache.DefaultFileName);
        var entry = _dir.Combine("data", "history", Hash("v1") + ".json.gz");
        Assert.Equal(await File.ReadAllBytesAsync(cache), await File.ReadAllBytesAsync(entry));
        Assert.Equal(2, LinkCount(entry));

        // The next apply replaces the cache file by a rename: the entry keeps the old bytes, on its own now.
        await plane.ApplyAsync(Push("v2"), default);
        Assert.Equal(1, LinkCount(entry));
        Assert.Equal(2, LinkCount(cache));
    }

    [Fact]
    public async Task A_restart_keeps_the_history_and_serving_the_cache_adds_no_entry()
    {
        using (var plane = Plane(_dir))
        {
            await plane.ApplyAsync(Push("v1"), default);
            await plane.ApplyAsync(Push("v2"), default);
        }

        using var restarted = await RestartAsync(_dir);

        Assert.Equal(ConfigOrigin.Cache, restarted.State.ServingTier);
        Assert.Equal([Hash("v2"), Hash("v1")], restarted.History.Select(e => e.Hash));
        Assert.Equal(ConfigOrigin.ControlPlane, restarted.History[0].Origin);
        Assert.Equal(ConfigHistoryEnd.Serving, restarted.History[0].End);
    }

    [Fact]
    public async Task Rollback_serves_an_earlier_configuration_through_the_pipeline_and_a_restart_serves_it_from_the_cache()
    {
        var validated = new List<string>();
        var validator = new DelegateConfigValidator((json, _) =>
        {
            validated.Add(ConfigHash.Compute(json.Span));
            return ValueTask.FromResult(ConfigValidationResult.Valid());
        });
        using (var plane = Plane(FileCache(_dir), validator: validator))
        {
            await plane.ApplyAsync(Push("good"), default);
            await plane.ApplyAsync(Push("bad"), default);
            validated.Clear();

            var result = await plane.RollbackAsync(Hash("good"), "bad routes", "admin:alice", default);

            Assert.Equal(ApplyOutcome.Applied, result.Outcome);
            Assert.Equal(ConfigOrigin.Rollback, result.Origin);
            Assert.Equal([Hash("good")], validated);
            Assert.Equal("good", Configs.NameOf(plane.Current));
            Assert.Equal("good", plane.Current!.Version);
            Assert.Equal(ConfigOrigin.Rollback, plane.State.ServingTier);
            var standing = plane.State.Rollback;
            Assert.NotNull(standing);
            Assert.Equal((ConfigRollbackKind.RolledBack, Hash("bad"), Hash("good"), "bad routes", "admin:alice"), (standing.Kind, standing.FromHash, standing.ToHash, standing.Reason, standing.Actor));

            var history = plane.History;
            Assert.Equal([Hash("good"), Hash("bad"), Hash("good")], history.Select(e => e.Hash));
            Assert.Equal((ConfigOrigin.Rollback, ConfigHistoryEnd.Serving), (history[0].Origin, history[0].End));
            Assert.Equal((ConfigHistoryEnd.RolledBack, "bad routes", "admin:alice"), (history[1].End, history[1].EndReason, history[1].EndActor));
        }

        using var restarted = await RestartAsync(_dir);
        Assert.Equal("good", Configs.NameOf(restarted.Current));
        Assert.Equal(ConfigOrigin.Cache, restarted.State.ServingTier);
        Assert.Equal(Hash("bad"), restarted.State.Rollback?.FromHash);
    }

    [Fact]
    public async Task After_a_rollback_the_control_plane_cannot_push_the_rolled_back_hash_until_it_sends_another()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("good"), default);
        await plane.ApplyAsync(Push("bad"), default);
        await plane.RollbackAsync(Hash("good"), "outage", default);

        var again = await plane.ApplyAsync(Push("bad"), default);
        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.RolledBack), (again.Outcome, again.Reason));
        Assert.Contains("operator", again.Errors[0]);
        Assert.Equal("good", Configs.NameOf(plane.Current));

        // A restart keeps the refusal: it is in the history's index.
        using var restarted = await RestartAsync(_dir);
        Assert.Equal(RejectionReason.RolledBack, (await restarted.ApplyAsync(Push("bad"), default)).Reason);

        // Another configuration from the control plane ends it; the old hash may come again after that.
        Assert.Equal(ApplyOutcome.Applied, (await restarted.ApplyAsync(Push("fixed"), default)).Outcome);
        Assert.Null(restarted.State.Rollback);
        Assert.Equal(ApplyOutcome.Applied, (await restarted.ApplyAsync(Push("bad"), default)).Outcome);
    }

    [Fact]
    public async Task The_control_plane_confirming_the_rolled_back_to_configuration_ends_the_rollback()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("good"), default);
        await plane.ApplyAsync(Push("bad"), default);
        await plane.RollbackAsync(Hash("good"), "outage", default);

        Assert.Equal(ApplyOutcome.Unchanged, (await plane.ApplyAsync(Push("good"), default)).Outcome);

        Assert.Null(plane.State.Rollback);
        Assert.Equal(ConfigOrigin.ControlPlane, plane.State.ServingTier);
        Assert.Equal(ApplyOutcome.Applied, (await plane.ApplyAsync(Push("bad"), default)).Outcome);
    }

    [Fact]
    public async Task Rollback_to_what_is_not_in_the_history_is_refused_and_changes_nothing()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("a"), default);

        var unknown = await plane.RollbackAsync(Hash("never-served"), null, default);
        var garbage = await plane.RollbackAsync("../../etc/passwd", null, default);
        var served = await plane.RollbackAsync(Hash("a").ToUpperInvariant(), null, default);

        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.NotInHistory), (unknown.Outcome, unknown.Reason));
        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.NotInHistory), (garbage.Outcome, garbage.Reason));
        Assert.Null(garbage.Hash);
        Assert.Equal(ApplyOutcome.Unchanged, served.Outcome);
        Assert.Equal("a", Configs.NameOf(plane.Current));
        Assert.Equal(ConfigOrigin.ControlPlane, plane.State.ServingTier);
        Assert.Null(plane.State.Rollback);
    }

    [Fact]
    public async Task With_the_history_off_nothing_is_kept_and_a_rollback_says_why()
    {
        using var plane = Plane(_dir, depth: 0);
        await plane.ApplyAsync(Push("a"), default);
        await plane.ApplyAsync(Push("b"), default);

        var result = await plane.RollbackAsync(Hash("a"), null, default);

        Assert.Empty(plane.History);
        Assert.False(plane.KeepsHistory);
        Assert.Equal(RejectionReason.NotInHistory, result.Reason);
        Assert.Contains("Depth is 0", result.Errors[0]);
        Assert.False(Directory.Exists(_dir.Combine("data", "history")));
    }

    [Fact]
    public async Task A_damaged_entry_is_dropped_and_never_served()
    {
        using var plane = Plane(_dir);
        await plane.ApplyAsync(Push("a"), default);
        await plane.ApplyAsync(Push("b"), default);
        var entry = _dir.Combine("data", "history", Hash("a") + ".json.gz");
        var bytes = await File.ReadAllBytesAsync(entry);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(entry, bytes);

        var result = await plane.RollbackAsync(Hash("a"), null, default);

        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.NotInHistory), (result.Outcome, result.Reason));
        Assert.Equal("b", Configs.NameOf(plane.Current));
        Assert.Equal([Hash("b")], plane.History.Select(e => e.Hash));
        Assert.False(File.Exists(entry));
    }

    [Fact]
    public async Task A_damaged_index_starts_the_history_empty_and_the_node_serves_its_cache()
    {
        using (var plane = Plane(_dir))
        {
            await plane.ApplyAsync(Push("a"), default);
            await plane.ApplyAsync(Push("b"), default);
        }

        var index = _dir.Combine("data", "history", "index.json");
        var bytes = await File.ReadAllBytesAsync(index);
        bytes[^5] ^= 0x01;
        await File.WriteAllBytesAsync(index, bytes);

        using var restarted = await RestartAsync(_dir);

        Assert.Equal("b", Configs.NameOf(restarted.Current));
        Assert.Equal([Hash("b")], restarted.History.Select(e => e.Hash));
        Assert.Equal(ConfigOrigin.Cache, restarted.History[0].Origin);
    }

    [Fact]
    public async Task An_encrypted_cache_seals_its_history_and_another_key_reads_none_of_it()
    {
        var key = new CacheEncryption(RandomNumberGenerator.GetBytes(32));
        using (var plane = Plane(_dir, encryption: key))
        {
            await plane.ApplyAsync(Push("secret-a"), default);
            await plane.ApplyAsync(Push("secret-b"), default);
            Assert.Equal(ApplyOutcome.Applied, (await plane.RollbackAsync(Hash("secret-a"), "check", default)).Outcome);
        }

        foreach (var file in Directory.GetFiles(_dir.Combine("data", "history")))
        {
            var content = await File.ReadAllBytesAsync(file);
            Assert.True(CacheEncryption.IsSealed(content), $"{file} is not sealed");
            Assert.DoesNotContain("secret", Encoding.Latin1.GetString(content), StringComparison.Ordinal);
        }

        using var sameKey = await RestartAsync(_dir, encryption: key);
        Assert.Equal(3, sameKey.History.Count);

        var otherKey = new CacheEncryption(RandomNumberGenerator.GetBytes(32));
        using var other = await RestartAsync(_dir, encryption: otherKey);
        Assert.Null(other.Current);
        Assert.Empty(other.History);
    }

    [Fact]
    public async Task With_signing_on_a_rollback_serves_only_a_signed_entry()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signing = new ConfigSignatureCheck(Options.Create(new ConfigSigningOptions { PublicKeyPem = key.ExportSubjectPublicKeyInfoPem() }));
        using var plane = Plane(_dir, signing: signing);
        var signed = Configs.Json("signed");
        await plane.ApplyAsync(new ConfigDocument(signed, ConfigFormat.Json, ConfigOrigin.ControlPlane) { Signature = ConfigSignature.Sign(signed, key) }, default);
        await plane.ApplyManualAsync(Configs.Json("manual"), ConfigFormat.Json, default);
        await plane.ApplyAsync(new ConfigDocument(Configs.Json("later"), ConfigFormat.Json, ConfigOrigin.ControlPlane) { Signature = ConfigSignature.Sign(Configs.Json("later"), key) }, default);

        var toManual = await plane.RollbackAsync(Hash("manual"), null, default);
        var toSigned = await plane.RollbackAsync(Hash("signed"), null, default);

        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.SignatureInvalid), (toManual.Outcome, toManual.Reason));
        Assert.Equal(ApplyOutcome.Applied, toSigned.Outcome);
        Assert.Equal("signed", Configs.NameOf(plane.Current));
    }

    [Fact]
    public async Task A_rollback_the_validator_refuses_keeps_the_served_configuration()
    {
        var refuse = false;
        var validator = new DelegateConfigValidator((_, _) => ValueTask.FromResult(refuse ? ConfigValidationResult.Invalid(["schema v2 only"]) : ConfigValidationResult.Valid()));
        using var plane = Plane(FileCache(_dir), validator: validator);
        await plane.ApplyAsync(Push("v1"), default);
        await plane.ApplyAsync(Push("v2"), default);
        refuse = true;

        var result = await plane.RollbackAsync(Hash("v1"), null, default);

        Assert.Equal((ApplyOutcome.Rejected, RejectionReason.ValidatorRejected), (result.Outcome, result.Reason));
        Assert.Equal("v2", Configs.NameOf(plane.Current));
        Assert.Null(plane.State.Rollback);
        Assert.Equal(2, plane.History.Count);
    }

    [Fact]
    public async Task Crash_leftovers_and_payloads_no_index_names_are_swept()
    {
        using (var plane = Plane(_dir, depth: 2))
        {
            await plane.ApplyAsync(Push("a"), default);
            await plane.ApplyAsync(Push("b"), default);
        }

        var history = _dir.Combine("data", "history");
        await File.WriteAllTextAsync(Path.Combine(history, "index.json.tmp-0123"), "half");
        await File.WriteAllTextAsync(Path.Combine(history, Hash("orphan") + ".json.gz"), "no index names me");

        using var restarted = await RestartAsync(_dir, depth: 2);
        Assert.False(File.Exists(Path.Combine(history, "index.json.tmp-0123")));
        await restarted.ApplyAsync(Push("c"), default);

        Assert.Equal(new[] { "index.json", Hash("b") + ".json.gz", Hash("c") + ".json.gz" }.Order(), Directory.GetFiles(history).Select(Path.GetFileName).Order());
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The number of names a file has (<c>stat</c>'s link count), through the one tool every Linux has.</summary>
    private static int LinkCount(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true })!;
        var output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
