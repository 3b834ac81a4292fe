package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * All-reduce by recursive doubling: in round {@code k} each rank exchanges its whole partial result
 * with the rank whose number differs in bit {@code k}, so {@code log2(p)} rounds reduce everything
 * (R. Thakur, R. Rabenseifner and W. Gropp, "Optimization of Collective Communication Operations in
 * MPICH", IJHPCA 19(1), 2005). Latency-optimal, so it serves small vectors such as BN moments, and any
 * operator, since it folds whole vectors.
 *
 * <p>When {@code p} is not a power of two, the fix-up of the same paper: with {@code p'} the largest
 * power of two below {@code p} and {@code rem = p - p'}, among the first {@code 2 rem} ranks each
 * even rank hands its vector to the odd rank above it and sits out; the remaining {@code p'} ranks run
 * recursive doubling; each odd rank then hands the result back. Every round folds contiguous blocks of
 * ranks, the lower block as the accumulator.
 *
 * <p>Determinism: both partners of a round compute {@code op(lower, higher)} from the same two
 * vectors, bit for bit, so they hold identical results after every round, and the ranks that sat out
 * receive a copy.
 */
final class RecursiveDoubling {

    private RecursiveDoubling() {
    }

    /** The number of rounds for {@code p} ranks: {@code log2(p')}, plus two for the fix-up. */
    static int steps(int p) {
        int pof2 = Integer.highestOneBit(p);
        return Integer.numberOfTrailingZeros(pof2) + (pof2 == p ? 0 : 2);
    }

    /** The rank's number in the power-of-two phase, or -1 if it sits out ({@code rem} ranks are extra). */
    static int newRank(int rank, int rem) {
        if (rank < 2 * rem) {
            return rank % 2 == 0 ? -1 : rank / 2;
        }
        return rank - rem;
    }

    /** The inverse of {@link #newRank}. */
    static int oldRank(int newRank, int rem) {
        return newRank < rem ? 2 * newRank + 1 : newRank + rem;
    }

    /** Reduces {@code v} across the group of {@code call}, in place. */
    static void allReduce(Call call, Operand v, Scratch scratch) {
        int p = call.size();
        int r = call.rank();
        int n = v.length();
        int bytes = n * v.elementBytes();
        int pof2 = Integer.highestOneBit(p);
        int rem = p - pof2;
        ByteBuffer send = scratch.buffer(0, bytes);
        ByteBuffer recv = scratch.buffer(1, bytes);
        int step = 0;
        boolean paired = r < 2 * rem;
        if (rem > 0) {
            if (paired && r % 2 == 0) {
                v.put(0, n, send);
                call.exchange(step, r + 1, send, -1, null, 0);
            } else if (paired) {
                call.exchange(step, -1, null, r - 1, recv, bytes);
                v.foldLower(recv, 0, n);
            }
            step++;
        }
        int me = newRank(r, rem);
        for (int mask = 1; mask < pof2; mask <<= 1, step++) {
            if (me < 0) {
                continue;
            }
            int partner = oldRank(me ^ mask, rem);
            v.put(0, n, send);
            call.exchange(step, partner, send, partner, recv, bytes);
            if (partner < r) {
                v.foldLower(recv, 0, n);
            } else {
                v.foldHigher(recv, 0, n);
            }
        }
        if (paired && r % 2 == 1) {
            v.put(0, n, send);
            call.exchange(step, r - 1, send, -1, null, 0);
        } else if (paired) {
            call.exchange(step, -1, null, r + 1, recv, bytes);
            v.get(recv, 0, n);
        }
    }
}
