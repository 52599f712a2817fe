package io.subutai.p2p.servers.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The Netty buffers of a server's sockets, from an allocator of their own rather than Netty's
 * default: that one (adaptive in Netty 4.2, sized by the machine's cores and memory, with caches in
 * every thread) is made for servers that hold many buffers at once, and a p2p server holds few (a
 * receive buffer, the datagrams of one read, a stream's queue up to its high water mark). Direct
 * buffers from {@code arenas} arenas (one per thread that allocates often) of 512 KiB chunks, freed
 * when empty, without thread caches. An allocator is its socket's: it goes with it.
 */
final class Buffers {

    private static final int PAGE = 8192;
    private static final int CHUNK_ORDER = 6; // chunks of PAGE << 6 = 512 KiB

    private Buffers() {
    }

    static ByteBufAllocator pooled(int arenas) {
        return new PooledByteBufAllocator(true, 0, arenas, PAGE, CHUNK_ORDER, 0, 0, false);
    }
}
