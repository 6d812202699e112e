namespace Resilience.Tests.FallbackStore;

/// <summary>The <c>file:///dir</c> store over real files.</summary>
public sealed class FileFallbackStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Round_trip_with_metadata()
    {
        var store = Create();

        await store.PutAsync("1.0.0/config.json", Configs.Json("a"), new Dictionary<string, string> { ["exporter-node-id"] = "n1" }, default);
        var read = await store.GetAsync("1.0.0/config.json", 1 << 20, default);

        Assert.NotNull(read);
        Assert.Equal(Configs.Json("a"), read.Content.ToArray());
        Assert.Equal("n1", read.Metadata["exporter-node-id"]);
    }

    [Fact]
    public async Task Missing_key_is_null()
    {
        Assert.Null(await Create().GetAsync("1.0.0/config.json", 1 << 20, default));
    }

    [Fact]
    public async Task Object_over_the_limit_is_an_error_not_a_truncation()
    {
        var store = Create();
        await store.PutAsync("k", new byte[100], new Dictionary<string, string>(), default);

        await Assert.ThrowsAsync<FallbackStoreException>(() => store.GetAsync("k", 99, default).AsTask());
    }

    [Fact]
    public async Task List_returns_keys_under_a_prefix_without_metadata_files()
    {
        var store = Create();
        await store.PutAsync(FallbackStoreKeys.Election("1.0.0", "node-b"), "{}"u8.ToArray(), new Dictionary<string, string>(), default);
        await store.PutAsync(FallbackStoreKeys.Election("1.0.0", "node-a"), "{}"u8.ToArray(), new Dictionary<string, string>(), default);
        await store.PutAsync(FallbackStoreKeys.Config("1.0.0"), "{}"u8.ToArray(), new Dictionary<string, string>(), default);

        var listed = await store.ListAsync(FallbackStoreKeys.ElectionPrefix("1.0.0"), default);

        Assert.Equal(["1.0.0/election/node-a", "1.0.0/election/node-b"], listed.Select(o => o.Key));
    }

    [Fact]
    public async Task Delete_removes_the_object_and_tolerates_missing_keys()
    {
        var store = Create();
        await store.PutAsync("k", "{}"u8.ToArray(), new Dictionary<string, string>(), default);

        await store.DeleteAsync("k", default);
        await store.DeleteAsync("k", default);

        Assert.Null(await store.GetAsync("k", 100, default));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    public async Task Keys_cannot_leave_the_directory(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Create().PutAsync(key, "{}"u8.ToArray(), new Dictionary<string, string>(), default).AsTask());
    }

    [Theory]
    [InlineData("node/1", "node_1")]
    [InlineData("..", "__")]
    [InlineData("gw-01.eu_west", "gw-01.eu_west")]
    public void Key_segments_are_sanitised(string raw, string expected)
    {
        Assert.Equal(expected, FallbackStoreKeys.Sanitize(raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    public async Task Factory_builds_a_working_store_from_a_file_uri(string trailingSlash)
    {
        var store = new FileFallbackStoreFactory().Create(new Uri(new Uri(_dir.Path + trailingSlash).AbsoluteUri));
        await store.PutAsync("1.0.0/config.json", Configs.Json("a"), new Dictionary<string, string>(), default);

        Assert.StartsWith("file:///", store.Description);
        Assert.True(File.Exists(_dir.Combine("1.0.0", "config.json")));
        Assert.NotNull(await store.GetAsync("1.0.0/config.json", 1 << 20, default));
    }

    public void Dispose() => _dir.Dispose();

    private FileFallbackStore Create() => new(_dir.Path);
}
