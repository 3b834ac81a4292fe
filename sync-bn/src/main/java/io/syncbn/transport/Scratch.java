package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * Two direct buffers that a collective reuses from call to call, grown on demand: direct, so the
 * socket reads and writes them without an extra copy; reused, because allocating direct memory per
 * call is slow.
 */
final class Scratch {

    private static final int MIN_CAPACITY = 4096;

    private final ByteBuffer[] buffers = new ByteBuffer[2];

    /** Buffer {@code which} (0 or 1), cleared, with room for at least {@code bytes} bytes. */
    ByteBuffer buffer(int which, int bytes) {
        ByteBuffer b = buffers[which];
        if (b == null || b.capacity() < bytes) {
            int capacity = Math.max(MIN_CAPACITY, bytes);
            if (capacity < Integer.MAX_VALUE / 2) {
                capacity = Integer.highestOneBit(capacity - 1) << 1;
            }
            b = ByteBuffer.allocateDirect(capacity).order(Frame.PAYLOAD_ORDER);
            buffers[which] = b;
        }
        b.clear();
        return b;
    }
}
