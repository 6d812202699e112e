using Xunit.Abstractions;

namespace Resilience.Cache.Lmdb.Tests;

public sealed class LmdbNativeLibraryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_native_LMDB_library_loads_on_this_machine()
    {
        using var temp = new TempDirectory();
        using var cache = TestConfigs.Cache(temp.Combine("dbless.lmdb"));

        await cache.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("native")), default);

        // On Debian 12 (glibc 2.36) this is the system liblmdb.so.0; on glibc 2.38+ the bundled one.
        Assert.NotNull(LmdbNativeLibraryResolver.Loaded);
        output.WriteLine($"LMDB native library: {LmdbNativeLibraryResolver.Loaded}");
    }

    [Fact]
    public void When_no_library_loads_the_error_names_the_liblmdb0_package()
    {
        var handle = LmdbNativeLibraryResolver.TryLoadFirst(["liblmdb-that-does-not-exist.so.9"], out _, out var errors);

        Assert.Equal(IntPtr.Zero, handle);
        var message = LmdbNativeLibraryResolver.MissingLibraryMessage(errors);
        Assert.Contains("liblmdb-that-does-not-exist.so.9", message);
        Assert.Contains("apt-get install liblmdb0", message);
        Assert.Contains("glibc 2.38", message);
    }

    [Fact]
    public void System_library_is_tried_after_the_bundled_one()
    {
        Assert.Equal("liblmdb.so.0", LmdbNativeLibraryResolver.SystemCandidates[0]);
    }

    [Fact]
    public void A_load_failure_is_recognised_even_inside_a_type_initializer()
    {
        Assert.True(LmdbNativeLibraryResolver.IsLoadFailure(new DllNotFoundException("lmdb")));
        Assert.True(LmdbNativeLibraryResolver.IsLoadFailure(new TypeInitializationException("LightningDB.Native.Lmdb", new DllNotFoundException("lmdb"))));
        Assert.False(LmdbNativeLibraryResolver.IsLoadFailure(new IOException("disk")));

        var explained = LmdbNativeLibraryResolver.Explain(new DllNotFoundException("Unable to load shared library 'lmdb'"));
        Assert.IsType<DllNotFoundException>(explained);
        Assert.Contains("liblmdb0", explained.Message);
    }

    [Fact]
    public async Task A_second_cache_naming_another_library_than_the_one_loaded_is_refused_clearly()
    {
        using var temp = new TempDirectory();
        using (var first = TestConfigs.Cache(temp.Combine("first")))
        {
            await first.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("first")), default); // loads the system library here
        }

        Assert.StartsWith("system", LmdbNativeLibraryResolver.Loaded);
        var logger = new Microsoft.Extensions.Logging.Testing.FakeLogger();
        using var second = TestConfigs.Cache(temp.Combine("second"), logger, o => o.NativeLibrary = LmdbNativeLibrary.Bundled);

        Assert.Null(await second.LoadAsync(default));
        var error = await Assert.ThrowsAsync<LmdbNativeLibraryException>(async () => await second.SaveAsync(TestConfigs.Snapshot(TestConfigs.Json("second")), default));
        Assert.Contains("already loaded the System LMDB library", error.Message);
        Assert.Contains("chosen once per process", Assert.Single(logger.Events(2105)).Message);
        Assert.Null(LmdbNativeLibraryResolver.Conflict(LmdbNativeLibrary.System));
        Assert.Null(LmdbNativeLibraryResolver.Conflict(LmdbNativeLibrary.Auto));
    }
}
