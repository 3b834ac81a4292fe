package io.syncbn.transport;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * All-gather of byte payloads of any sizes by a ring: in step {@code s} every rank passes the payload
 * it received in step {@code s - 1} (its own first) to its right neighbour, so after {@code p - 1}
 * steps everyone holds everything (Thakur, Rabenseifner and Gropp 2005). Each frame is checked against
 * the configured maximum before it is read.
 */
final class RingGather {

    private RingGather() {
    }

    /** The number of steps for {@code p} ranks. */
    static int steps(int p) {
        return p - 1;
    }

    /** Every rank's payload, indexed by group rank; each array is this rank's own copy. */
    static List<byte[]> allGather(Call call, byte[] payload, int maxBytes) {
        int p = call.size();
        int r = call.rank();
        byte[][] blocks = new byte[p][];
        blocks[r] = payload.clone();
        for (int s = 0; s < p - 1; s++) {
            ByteBuffer out = ByteBuffer.wrap(blocks[Ring.mod(r - s, p)]);
            ByteBuffer in = call.exchangeUpTo(s, Ring.mod(r + 1, p), out, Ring.mod(r - 1, p), maxBytes);
            blocks[Ring.mod(r - s - 1, p)] = in.array();
        }
        return Arrays.asList(blocks);
    }
}
