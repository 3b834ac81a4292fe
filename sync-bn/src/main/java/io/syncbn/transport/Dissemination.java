package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * Barrier by dissemination: in round {@code k} each rank signals rank {@code r + 2^k} and waits for
 * rank {@code r - 2^k} (mod {@code p}); after {@code ceil(log2 p)} rounds every rank has heard,
 * directly or not, from every other (D. Hensgen, R. Finkel and U. Manber, "Two algorithms for barrier
 * synchronization", IJPP 17(1), 1988; the barrier of MPICH per Thakur, Rabenseifner and Gropp 2005).
 */
final class Dissemination {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private Dissemination() {
    }

    /** The number of rounds for {@code p} ranks: {@code ceil(log2 p)}. */
    static int steps(int p) {
        return 32 - Integer.numberOfLeadingZeros(p - 1);
    }

    /** Returns once every rank of the group of {@code call} has arrived. */
    static void barrier(Call call) {
        int p = call.size();
        int r = call.rank();
        ByteBuffer into = ByteBuffer.allocate(0);
        for (int step = 0, distance = 1; distance < p; step++, distance <<= 1) {
            call.exchange(step, Ring.mod(r + distance, p), EMPTY.duplicate(), Ring.mod(r - distance, p), into, 0);
        }
    }
}
