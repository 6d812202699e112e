using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Resilience.Benchmarks;

/// <summary>
/// An experiment only (<c>fan-out-rounds ... pool-block=BYTES</c>): Kestrel's memory pool with larger blocks than its
/// 4 KiB ones, from the shared array pool, to measure what Kestrel's block size costs the hub's writes (its HTTPS output
/// writes one TLS record per block). Not a recommendation: Kestrel's own pool pins, evicts and reports metrics.
/// </summary>
internal sealed class LargeBlockMemoryPoolFactory(int blockBytes) : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool(blockBytes);

    private sealed class LargeBlockMemoryPool(int blockBytes) : MemoryPool<byte>
    {
        public override int MaxBufferSize => blockBytes;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(ArrayPool<byte>.Shared.Rent(Math.Max(blockBytes, minBufferSize)));

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(byte[] array) : IMemoryOwner<byte>
        {
            private byte[]? _array = array;

            public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _array, null) is { } returned)
                {
                    ArrayPool<byte>.Shared.Return(returned);
                }
            }
        }
    }
}
