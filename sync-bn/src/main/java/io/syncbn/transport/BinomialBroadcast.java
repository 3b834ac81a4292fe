package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * Broadcast down a binomial tree: numbering ranks relative to the root, in round {@code t} every rank
 * below {@code 2^t} that has the data sends it to the rank {@code 2^t} above it, so {@code ceil(log2
 * p)} rounds reach everyone (Thakur, Rabenseifner and Gropp 2005). Latency-optimal, for small vectors;
 * the root sends the whole vector {@code log2 p} times, so large vectors go by {@link ChainBroadcast}.
 */
final class BinomialBroadcast {

    private BinomialBroadcast() {
    }

    /** The number of rounds for {@code p} ranks: {@code ceil(log2 p)}. */
    static int steps(int p) {
        return Dissemination.steps(p);
    }

    /** The round in which relative rank {@code relative > 0} receives: the index of its highest bit. */
    static int receiveRound(int relative) {
        return 31 - Integer.numberOfLeadingZeros(relative);
    }

    /** Copies the root's {@code v} into {@code v} on every rank of the group of {@code call}. */
    static void broadcast(Call call, Operand v, int root, Scratch scratch) {
        int p = call.size();
        int relative = Ring.mod(call.rank() - root, p);
        int n = v.length();
        int bytes = n * v.elementBytes();
        ByteBuffer data = scratch.buffer(0, bytes);
        int firstSend = 0;
        if (relative == 0) {
            v.put(0, n, data);
        } else {
            int round = receiveRound(relative);
            int source = Ring.mod(relative - (1 << round) + root, p);
            call.exchange(round, -1, null, source, data, bytes);
            v.get(data, 0, n);
            firstSend = round + 1;
        }
        for (int round = firstSend; round < steps(p); round++) {
            int target = relative + (1 << round);
            if (target < p) {
                call.exchange(round, Ring.mod(target + root, p), data.duplicate(), -1, null, 0);
            }
        }
    }
}
