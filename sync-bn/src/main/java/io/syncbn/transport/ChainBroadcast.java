package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * Broadcast pipelined along a chain: the vector is cut into segments of {@link #SEGMENT_BYTES}, and
 * each rank, numbered relative to the root, forwards segment {@code k} to the next rank while it
 * receives segment {@code k + 1}. With {@code K} segments it takes {@code K + p - 2} segment times, so
 * for {@code K >> p} about the time of sending the vector once, independent of {@code p} (the
 * pipelined broadcast in Thakur, Rabenseifner and Gropp 2005, section 4).
 */
final class ChainBroadcast {

    /** Segment size: large enough that headers and wake-ups do not matter, small enough to pipeline. */
    static final int SEGMENT_BYTES = 512 * 1024;

    private ChainBroadcast() {
    }

    /** The number of segments of a vector of {@code n} elements of {@code elementBytes}; at least 1. */
    static int segments(int n, int elementBytes) {
        int perSegment = SEGMENT_BYTES / elementBytes;
        return Math.max(1, (int) (((long) n + perSegment - 1) / perSegment));
    }

    /** The number of steps for {@code p} ranks and {@code segments} segments. */
    static int steps(int p, int segments) {
        return segments + p - 2;
    }

    /** Copies the root's {@code v} into {@code v} on every rank of the group of {@code call}. */
    static void broadcast(Call call, Operand v, int root, Scratch scratch) {
        int p = call.size();
        int r = call.rank();
        int position = Ring.mod(r - root, p);
        int next = position + 1 < p ? Ring.mod(r + 1, p) : -1;
        int previous = Ring.mod(r - 1, p);
        int n = v.length();
        int eb = v.elementBytes();
        int perSegment = SEGMENT_BYTES / eb;
        int segments = segments(n, eb);
        ByteBuffer a = scratch.buffer(0, SEGMENT_BYTES);
        ByteBuffer b = scratch.buffer(1, SEGMENT_BYTES);
        if (position == 0) {
            for (int k = 0; k < segments; k++) {
                int lo = Math.min(n, k * perSegment);
                v.put(lo, Math.min(n, lo + perSegment), a);
                call.exchange(k, next, a, -1, null, 0);
            }
            return;
        }
        for (int k = 0; k < segments; k++) {
            int lo = Math.min(n, k * perSegment);
            int hi = Math.min(n, lo + perSegment);
            // Forward segment k - 1 (held in a) while receiving segment k (into b).
            call.exchange(k + position - 1, k > 0 ? next : -1, a, previous, b, (hi - lo) * eb);
            v.get(b, lo, hi);
            ByteBuffer received = b;
            b = a;
            a = received;
        }
        if (next >= 0) {
            call.exchange(segments + position - 1, next, a, -1, null, 0);
        }
    }
}
